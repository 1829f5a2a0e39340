#include "forkrpc/internal/pidfd.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace forkrpc::internal {
namespace {

// waitid on a pidfd with `options`, retrying EINTR. si_pid stays 0 when WNOHANG finds
// the process still running.
absl::StatusOr<siginfo_t> WaitId(int pidfd, int options) {
  siginfo_t info{};
  for (;;) {
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, options) == 0) {
      return info;
    }
    if (errno != EINTR) return ErrnoStatus("waitid", errno);
  }
}

}  // namespace

std::string DescribeProcessEnd(const ProcessEnd& end) {
  switch (end.code) {
    case CLD_EXITED:
      return absl::StrCat("exited with status ", end.status);
    case CLD_KILLED:
      return absl::StrCat("killed by signal ", end.status, " (", SignalName(end.status), ")");
    case CLD_DUMPED:
      return absl::StrCat("killed by signal ", end.status, " (", SignalName(end.status),
                          "), core dumped");
    default:
      return absl::StrCat("ended (waitid code ", end.code, ", status ", end.status, ")");
  }
}

absl::StatusOr<UniqueFd> PidfdOpen(pid_t pid) {
  // Debian 12's glibc has no pidfd_open wrapper; pidfds are close-on-exec always.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return ErrnoStatus("pidfd_open", errno);
  return pidfd;
}

absl::Status PidfdSendSignal(int pidfd, int signal_number) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0) != 0) {
    return ErrnoStatus("pidfd_send_signal", errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProcessEnd>> PeekProcessEnd(int pidfd) {
  absl::StatusOr<siginfo_t> info = WaitId(pidfd, WEXITED | WNOHANG | WNOWAIT);
  if (!info.ok()) return info.status();
  if (info->si_pid == 0) return std::nullopt;
  return ProcessEnd{info->si_code, info->si_status};
}

absl::StatusOr<ProcessEnd> ReapProcess(int pidfd) {
  absl::StatusOr<siginfo_t> info = WaitId(pidfd, WEXITED);
  if (!info.ok()) return info.status();
  return ProcessEnd{info->si_code, info->si_status};
}

}  // namespace forkrpc::internal
