// status_matchers.h: GoogleMock matchers for absl::Status and absl::StatusOr, which
// Abseil 20220623 does not ship.
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("SIGKILL")));
//   EXPECT_THAT(reply, IsOk());
#ifndef FORKRPC_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define FORKRPC_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace forkrpc::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <class T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           absl::StrCat("has code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "which is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

MATCHER_P(StatusIs, code, absl::StrCat("has code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "which is " << status;
  return status.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "which is " << status;
  return status.ok();
}

}  // namespace forkrpc::testing

#endif  // FORKRPC_TESTS_SUPPORT_STATUS_MATCHERS_H_
