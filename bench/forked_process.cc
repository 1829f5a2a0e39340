#include "bench/forked_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace forkrpc_bench {
namespace {

// Closes every descriptor from 3 up except those in `keep`.
void CloseAllBut(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int next = 3;
  for (int fd : keep) {
    if (fd < static_cast<int>(next)) continue;
    if (static_cast<unsigned int>(fd) > next) close_range(next, fd - 1, 0);
    next = fd + 1;
  }
  close_range(next, UINT_MAX, 0);
}

}  // namespace

absl::StatusOr<pid_t> ForkProcess(std::vector<int> keep, absl::FunctionRef<void()> body) {
  std::fflush(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    CloseAllBut(std::move(keep));
    body();
    std::fflush(nullptr);
    _exit(0);
  }
  return pid;
}

absl::Status Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoError("waitpid");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "child ", pid,
      WIFSIGNALED(status) ? absl::StrCat(" killed by signal ", WTERMSIG(status))
                          : absl::StrCat(" exited with status ", WEXITSTATUS(status))));
}

absl::Status ErrnoError(const char* call) {
  int error = errno;
  return absl::ErrnoToStatus(error, call);
}

}  // namespace forkrpc_bench
