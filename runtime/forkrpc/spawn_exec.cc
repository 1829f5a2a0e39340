// SpawnExec (spawn.h): a helper that is another program. Everything the child needs is
// made before the fork, so that between the fork and the exec it makes system calls
// only: a parent running threads may hold the allocator's lock at the fork.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/helper_launch.h"
#include "forkrpc/serve_inherited.h"
#include "forkrpc/spawn.h"

extern char** environ;

namespace forkrpc {
namespace {

// Where a name without a slash is looked up when PATH is unset (as execvp does).
constexpr char kDefaultPath[] = "/bin:/usr/bin";

// What the child execs, made in the parent.
struct ExecPlan {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // this process's, FORKRPC_FD set to the socket
  std::vector<int> keep;                 // sorted (internal::SortedKeepList)
  std::vector<int> inherited;            // the socket and keep_fds: not closed by the exec
  // Pointers into the strings above, each list ending with a null.
  std::vector<char*> argv_pointers;
  std::vector<char*> environment_pointers;
};

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The file argv[0] names: itself when it holds a slash, else the first executable file of
// that name in PATH.
absl::StatusOr<std::string> FindProgram(const std::string& name) {
  if (absl::StrContains(name, '/')) return name;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : kDefaultPath, ':')) {
    // An empty entry means the current directory.
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return absl::NotFoundError(absl::StrCat("exec ", name, ": no executable of that name in PATH"));
}

absl::StatusOr<ExecPlan> MakePlan(std::vector<std::string> argv, const SpawnOptions& options,
                                  int socket, int error_pipe) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("argv is empty: it needs at least the program to run");
  }
  ExecPlan plan;
  absl::StatusOr<std::string> path = FindProgram(argv[0]);
  if (!path.ok()) return path.status();
  plan.path = *std::move(path);
  plan.argv = std::move(argv);
  std::string prefix = absl::StrCat(kInheritedSocketVariable, "=");
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, prefix)) plan.environment.emplace_back(*entry);
  }
  plan.environment.push_back(absl::StrCat(prefix, socket));
  plan.inherited = options.keep_fds;
  plan.inherited.push_back(socket);
  std::vector<int> keep = plan.inherited;
  keep.push_back(error_pipe);
  plan.keep = internal::SortedKeepList(std::move(keep));
  for (std::string& arg : plan.argv) plan.argv_pointers.push_back(arg.data());
  plan.argv_pointers.push_back(nullptr);
  for (std::string& entry : plan.environment) plan.environment_pointers.push_back(entry.data());
  plan.environment_pointers.push_back(nullptr);
  return plan;
}

// The child's side, between the fork and the exec: system calls only. Never returns;
// a failed exec sends its errno up `error_pipe`.
[[noreturn]] void ExecHelper(const ExecPlan& plan, int error_pipe, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before the line above
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  internal::CloseAllBut(plan.keep);
  for (int fd : plan.inherited) ::fcntl(fd, F_SETFD, 0);
  ::execve(plan.path.c_str(), plan.argv_pointers.data(), plan.environment_pointers.data());
  int error = errno;
  [[maybe_unused]] ssize_t written = ::write(error_pipe, &error, sizeof(error));
  ::_exit(127);
}

// The errno of a failed exec, which the child sent up the (non-blocking) `error_pipe`
// before it exited; 0 if there is none.
int ReadExecError(int error_pipe) {
  int error = 0;
  ssize_t got = ::read(error_pipe, &error, sizeof(error));
  return got == static_cast<ssize_t>(sizeof(error)) ? error : 0;
}

}  // namespace

absl::StatusOr<Child> SpawnExec(std::vector<std::string> argv, SpawnOptions options) {
  std::string context = absl::StrCat("spawn helper ", options.name);
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(options.socket_type);
  if (!ends.ok()) return internal::Annotate(ends.status(), context);
  auto& [parent_end, helper_end] = *ends;
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC | O_NONBLOCK) != 0) {
    return internal::Annotate(internal::ErrnoStatus("pipe2", errno), context);
  }
  UniqueFd error_read(pipe_ends[0]);
  UniqueFd error_write(pipe_ends[1]);
  absl::StatusOr<ExecPlan> plan =
      MakePlan(std::move(argv), options, helper_end.get(), error_write.get());
  if (!plan.ok()) return internal::Annotate(plan.status(), context);

  // Output still buffered would otherwise be written twice, once by each process.
  std::fflush(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return internal::Annotate(internal::ErrnoStatus("fork", errno), context);
  if (pid == 0) ExecHelper(*plan, error_write.get(), parent);
  helper_end.reset();
  error_write.reset();
  // Not waiting for the exec itself: the pipe's end of file could be held up by any
  // process another thread forks meanwhile. A failed exec ends the child, which ends
  // the wait for its hello; its errno is in the pipe by then.
  absl::StatusOr<Child> child =
      internal::ConnectToHelper(pid, std::move(parent_end), options, context);
  if (int error = child.ok() ? 0 : ReadExecError(error_read.get()); error != 0) {
    absl::Status failed = internal::ErrnoStatus(absl::StrCat("exec ", plan->path), error);
    // A file that is not a program is a wrong argument (errno maps it to UNKNOWN).
    if (error == ENOEXEC) failed = absl::InvalidArgumentError(failed.message());
    return internal::Annotate(failed, context);
  }
  return child;
}

}  // namespace forkrpc
