#include "forkrpc/spawn.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/helper_launch.h"

namespace forkrpc {
namespace {

// How long a helper whose parent closed the channel waits for handlers that are still
// running (they see IsCancelled) before it exits anyway.
constexpr absl::Duration kHandlerGrace = absl::Seconds(1);

// The helper's side of Spawn; never returns.
[[noreturn]] void RunHelper(std::function<void(Server&)>& setup, SpawnOptions& options,
                            UniqueFd socket, pid_t parent) {
  // Die with the parent. The parent may have died before the line above took effect,
  // in which case we were reparented already: check.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  std::vector<int> keep = options.keep_fds;
  keep.push_back(socket.get());
  internal::CloseAllBut(internal::SortedKeepList(std::move(keep)));

  Server server(options.server_options);
  try {
    setup(server);
  } catch (const std::exception& e) {
    internal::ServerAccess::SetSetupError(
        server, absl::InternalError(absl::StrCat("helper setup threw: ", e.what())));
  } catch (...) {
    internal::ServerAccess::SetSetupError(
        server, absl::InternalError("helper setup threw a non-standard exception"));
  }
  absl::Status status = internal::ServeParent(server, std::move(socket), parent, kHandlerGrace);
  std::fflush(nullptr);
  ::_exit(status.ok() ? 0 : 1);
}

}  // namespace

absl::StatusOr<Child> Spawn(std::function<void(Server&)> setup, SpawnOptions options) {
  std::string context = absl::StrCat("spawn helper ", options.name);
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(options.socket_type);
  if (!ends.ok()) return internal::Annotate(ends.status(), context);
  auto& [parent_end, helper_end] = *ends;

  // Output still buffered would otherwise be written twice, once by each process.
  std::fflush(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return internal::Annotate(internal::ErrnoStatus("fork", errno), context);
  if (pid == 0) {
    parent_end.reset();
    RunHelper(setup, options, std::move(helper_end), parent);
  }
  helper_end.reset();
  return internal::ConnectToHelper(pid, std::move(parent_end), options, context);
}

}  // namespace forkrpc
