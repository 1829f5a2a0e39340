// pidfd.h: a process held by a descriptor rather than a pid. A pid is reused once
// reaped; a pidfd always means the one process it was opened for (pidfd_open(2)), so
// forkrpc signals, watches and reaps its helpers only through one. A pidfd becomes
// readable when its process exits, which is how a channel over SOCK_DGRAM, where the
// socket never reports end-of-file, learns that its helper died.
#ifndef FORKRPC_INTERNAL_PIDFD_H_
#define FORKRPC_INTERNAL_PIDFD_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// How a process ended, as waitid(2) reports it: `code` is CLD_EXITED, CLD_KILLED or
// CLD_DUMPED; `status` the exit status or the signal number.
struct ProcessEnd {
  int code = 0;
  int status = 0;
};

// "exited with status 3", "killed by signal 9 (SIGKILL)", or with ", core dumped".
std::string DescribeProcessEnd(const ProcessEnd& end);

// A close-on-exec pidfd for `pid`.
absl::StatusOr<UniqueFd> PidfdOpen(pid_t pid);

// Sends `signal_number` to the process of `pidfd`.
absl::Status PidfdSendSignal(int pidfd, int signal_number);

// How the child process of `pidfd` ended, without reaping it; nullopt while it runs.
absl::StatusOr<std::optional<ProcessEnd>> PeekProcessEnd(int pidfd);

// Waits for the child process of `pidfd` to end and reaps it.
absl::StatusOr<ProcessEnd> ReapProcess(int pidfd);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_PIDFD_H_
