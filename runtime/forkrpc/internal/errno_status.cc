#include "forkrpc/internal/errno_status.h"

#include <errno.h>
#include <string.h>

#include <cctype>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace forkrpc::internal {

absl::StatusCode ErrnoCode(int error_number) {
  switch (error_number) {
    case EPIPE:
    case ECONNRESET:
    case ECONNREFUSED:
    case ENOTCONN:
      return absl::StatusCode::kUnavailable;
    case EMSGSIZE:
    case ETOOMANYREFS:
    case ENOBUFS:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::ErrnoToStatusCode(error_number);
  }
}

absl::Status ErrnoStatus(absl::string_view call, int error_number) {
  // strerror_r's GNU form may return a static string rather than fill `buffer`.
  char buffer[128];
  std::string text = ::strerror_r(error_number, buffer, sizeof(buffer));
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(text[0]));
  const char* name = ::strerrorname_np(error_number);
  std::string errno_name = name != nullptr ? name : absl::StrCat("errno ", error_number);
  return absl::Status(ErrnoCode(error_number),
                      absl::StrCat(call, ": ", text, " (", errno_name, ")"));
}

std::string SignalName(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  if (abbreviation == nullptr) return absl::StrCat("signal ", signal_number);
  return absl::StrCat("SIG", abbreviation);
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    annotated.SetPayload(type_url, payload);
  });
  return annotated;
}

}  // namespace forkrpc::internal
