// SpawnExec (spawn.h): a helper that is another program. The child is cloned the way
// posix_spawn makes its children: in the parent's memory (CLONE_VM), on a stack of its
// own, while the calling thread waits for its exec or its exit (CLONE_VFORK). So no
// page table is copied, however big the parent (a fork of a parent holding 1 GiB takes
// tens of milliseconds), and no pthread_atfork handler runs. Everything the child needs
// is made before, so that until its exec it makes system calls only and writes no
// memory but its own stack and the word that reports a failed exec: a parent running
// threads may hold the allocator's lock meanwhile.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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
  std::vector<int> keep;                 // the same, and stderr, sorted (SortedKeepList)
  std::vector<int> inherited;            // the socket and keep_fds: not closed by the exec
  // Pointers into the strings above, each list ending with a null.
  std::vector<char*> argv_pointers;
  std::vector<char*> environment_pointers;
};

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
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
                                  int socket) {
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
  plan.keep = internal::SortedKeepList(plan.inherited);
  for (std::string& arg : plan.argv) plan.argv_pointers.push_back(arg.data());
  plan.argv_pointers.push_back(nullptr);
  for (std::string& entry : plan.environment) plan.environment_pointers.push_back(entry.data());
  plan.environment_pointers.push_back(nullptr);
  return plan;
}

// What the child reads and reports. It lives on the parent's stack, which the child
// shares and may write while the parent's thread waits.
struct Launch {
  const ExecPlan* plan = nullptr;
  pid_t parent = 0;
  int exec_error = 0;  // the failed exec's errno, written by the child
};

// The child's side: system calls only (see the top of the file). Never returns.
int ExecHelper(void* argument) {
  Launch& launch = *static_cast<Launch*>(argument);
  // A handler of the parent's must not run here, in the parent's memory: every signal it
  // catches goes back to its default before the mask, all blocked by the parent around
  // the clone, opens. (Signals the parent ignores stay ignored, as across an exec.)
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    struct sigaction action;
    if (::sigaction(signal_number, nullptr, &action) != 0 || action.sa_handler == SIG_IGN ||
        action.sa_handler == SIG_DFL) {
      continue;
    }
    action.sa_handler = SIG_DFL;
    action.sa_flags = 0;
    ::sigaction(signal_number, &action, nullptr);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launch.parent) ::_exit(127);  // the parent died before the line above
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const ExecPlan& plan = *launch.plan;
  internal::CloseAllBut(plan.keep);
  for (int fd : plan.inherited) ::fcntl(fd, F_SETFD, 0);
  ::execve(plan.path.c_str(), plan.argv_pointers.data(), plan.environment_pointers.data());
  launch.exec_error = errno;
  ::_exit(127);
}

// The child's stack: room for the signal loop and the calls above, and for the dynamic
// linker resolving a function's first call.
constexpr size_t kChildStackSize = 64 << 10;

}  // namespace

absl::StatusOr<Child> SpawnExec(std::vector<std::string> argv, SpawnOptions options) {
  std::string context = absl::StrCat("spawn helper ", options.name);
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(options.socket_type);
  if (!ends.ok()) return internal::Annotate(ends.status(), context);
  auto& [parent_end, helper_end] = *ends;
  absl::StatusOr<ExecPlan> plan = MakePlan(std::move(argv), options, helper_end.get());
  if (!plan.ok()) return internal::Annotate(plan.status(), context);
  void* stack = ::mmap(nullptr, kChildStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    return internal::Annotate(internal::ErrnoStatus("mmap", errno), context);
  }

  Launch launch;
  launch.plan = &*plan;
  launch.parent = ::getpid();
  sigset_t all;
  sigset_t old_mask;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  // Returns once the child has exec'd or exited.
  pid_t pid = ::clone(ExecHelper, static_cast<char*>(stack) + kChildStackSize,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, &launch);
  int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::munmap(stack, kChildStackSize);
  if (pid < 0) return internal::Annotate(internal::ErrnoStatus("clone", clone_error), context);
  helper_end.reset();
  if (launch.exec_error != 0) {
    ::waitpid(pid, nullptr, 0);
    absl::Status failed =
        internal::ErrnoStatus(absl::StrCat("exec ", plan->path), launch.exec_error);
    // A file that is not a program is a wrong argument (errno maps it to UNKNOWN).
    if (launch.exec_error == ENOEXEC) failed = absl::InvalidArgumentError(failed.message());
    return internal::Annotate(failed, context);
  }
  return internal::ConnectToHelper(pid, std::move(parent_end), options, context);
}

}  // namespace forkrpc
