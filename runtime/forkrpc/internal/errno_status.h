// errno_status.h: the one place an errno or a signal number becomes words and a status
// code. Every syscall wrapper in forkrpc reports failure through ErrnoStatus, so each
// message names the call, the error text and the errno's own name:
//   "socketpair: too many open files (EMFILE)"
#ifndef FORKRPC_INTERNAL_ERRNO_STATUS_H_
#define FORKRPC_INTERNAL_ERRNO_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace forkrpc::internal {

// The status code for `error_number` from a socket or process call. It follows
// absl::ErrnoToStatusCode except where that misleads here: a gone peer (EPIPE,
// ECONNRESET, ECONNREFUSED) is UNAVAILABLE, and a limit (EMSGSIZE, ETOOMANYREFS,
// ENOBUFS, EMFILE, ENFILE) is RESOURCE_EXHAUSTED.
absl::StatusCode ErrnoCode(int error_number);

// A status for `call` failing with `error_number`: "<call>: <error text> (<ENAME>)".
absl::Status ErrnoStatus(absl::string_view call, int error_number);

// "SIGKILL" for 9; "signal 77" where the number has no name.
std::string SignalName(int signal_number);

// `status` with "<context>: " before its message; code and payloads are kept. An OK
// status stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_ERRNO_STATUS_H_
