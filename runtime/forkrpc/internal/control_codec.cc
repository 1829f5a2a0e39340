#include "forkrpc/internal/control_codec.h"

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forkrpc::internal {
namespace {

bool IsKeyCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

absl::Status MetadataError(absl::string_view key, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("metadata key \"", absl::CHexEscape(key), "\" ", problem));
}

}  // namespace

absl::Status CheckMetadataEntry(absl::string_view key, absl::string_view value) {
  if (key.empty()) return MetadataError(key, "is empty");
  for (char c : key) {
    if (!IsKeyCharacter(c)) {
      return MetadataError(key, "has a character outside [a-z0-9-_.]");
    }
  }
  if (absl::StartsWith(key, "grpc-") || absl::StartsWith(key, "forkrpc-")) {
    return MetadataError(key, "is reserved for the runtime");
  }
  if (!absl::EndsWith(key, "-bin")) {
    for (char c : value) {
      if (c < 0x20 || c > 0x7e) {
        return MetadataError(key,
                             "has a value with bytes outside printable ASCII; "
                             "binary values need a key ending in -bin");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EncodeMetadata(const Metadata& metadata, WireMetadata* out) {
  for (const auto& [key, value] : metadata) {
    absl::Status status = CheckMetadataEntry(key, value);
    if (!status.ok()) return status;
    wire::MetadataEntry* entry = out->Add();
    entry->set_key(key);
    entry->set_value(value);
  }
  return absl::OkStatus();
}

absl::Status DecodeMetadata(const WireMetadata& in, Metadata* out) {
  for (const wire::MetadataEntry& entry : in) {
    absl::Status status = CheckMetadataEntry(entry.key(), entry.value());
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("protocol error: peer sent ", status.message()));
    }
    out->emplace(entry.key(), entry.value());
  }
  return absl::OkStatus();
}

void EncodeStatus(const absl::Status& status, wire::CallStatus* out) {
  if (status.ok()) return;  // every field's default; OK carries no message or payloads
  out->set_code(static_cast<int32_t>(status.code()));
  out->set_message(std::string(status.message()));
  status.ForEachPayload([out](absl::string_view type_url, const absl::Cord& payload) {
    wire::StatusDetail* detail = out->add_details();
    detail->set_type_url(std::string(type_url));
    detail->set_value(std::string(payload));
  });
}

absl::Status DecodeStatus(const wire::CallStatus& in) {
  int code = in.code();
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::UnknownError(
        absl::StrCat("peer sent status code ", code, " outside 0..16: ", in.message()));
  }
  absl::Status status(static_cast<absl::StatusCode>(code), in.message());
  if (status.ok()) return status;  // payloads cannot ride on OK
  for (const wire::StatusDetail& detail : in.details()) {
    status.SetPayload(detail.type_url(), absl::Cord(detail.value()));
  }
  return status;
}

}  // namespace forkrpc::internal
