#include "forkrpc/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/pidfd.h"
#include "forkrpc/internal/socket_channel.h"

namespace forkrpc {
namespace internal {

// What Spawn needs of a Server and a Child that their public faces do not offer.
struct ServerAccess {
  static void SetSetupError(Server& server, absl::Status error) {
    absl::MutexLock lock(&server.mu_);
    server.registration_error_.Update(std::move(error));
  }
  static absl::Status Serve(Server& server, UniqueFd socket, std::string peer_name,
                            UniqueFd parent_pidfd, absl::Duration handler_grace) {
    return server.ServeConnection(std::move(socket), std::move(peer_name), std::move(parent_pidfd),
                                  handler_grace);
  }
};

struct ChildAccess {
  static Child Make(pid_t pid, std::string name, UniqueFd pidfd, std::shared_ptr<Channel> channel) {
    return Child(pid, std::move(name), std::move(pidfd), std::move(channel));
  }
};

}  // namespace internal
namespace {

// How long a helper whose parent closed the channel waits for handlers that are still
// running (they see IsCancelled) before it exits anyway.
constexpr absl::Duration kHandlerGrace = absl::Seconds(1);

// Closes every descriptor from 3 up, except those in `keep`.
void CloseAllBut(std::vector<int> keep) {
  keep.push_back(2);
  std::sort(keep.begin(), keep.end());
  int next = 3;
  for (int fd : keep) {
    if (fd > next) ::close_range(static_cast<unsigned>(next), static_cast<unsigned>(fd - 1), 0);
    next = std::max(next, fd + 1);
  }
  ::close_range(static_cast<unsigned>(next), ~0u, 0);
}

// The helper's side of Spawn; never returns.
[[noreturn]] void RunHelper(std::function<void(Server&)>& setup, SpawnOptions& options,
                            UniqueFd socket, pid_t parent) {
  // Die with the parent. The parent may have died before the line above took effect,
  // in which case we were reparented already: check.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  std::vector<int> keep = options.keep_fds;
  keep.push_back(socket.get());
  CloseAllBut(keep);
  // Over SOCK_DGRAM the parent's death shows only on its pidfd.
  absl::StatusOr<UniqueFd> parent_pidfd = internal::PidfdOpen(parent);

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
  absl::Status status = internal::ServerAccess::Serve(
      server, std::move(socket), absl::StrCat("parent (pid ", parent, ")"),
      parent_pidfd.ok() ? *std::move(parent_pidfd) : UniqueFd(), kHandlerGrace);
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

  std::string name = absl::StrCat("helper ", options.name, " (pid ", pid, ")");
  absl::StatusOr<UniqueFd> pidfd = internal::PidfdOpen(pid);
  if (!pidfd.ok()) {
    // Without a pidfd the pid is all we have; it cannot have been reaped yet.
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return internal::Annotate(pidfd.status(), context);
  }
  UniqueFd watch(::fcntl(pidfd->get(), F_DUPFD_CLOEXEC, 0));
  if (!watch.valid()) {
    absl::Status error = internal::ErrnoStatus("fcntl(F_DUPFD_CLOEXEC)", errno);
    internal::PidfdSendSignal(pidfd->get(), SIGKILL).IgnoreError();
    internal::ReapProcess(pidfd->get()).IgnoreError();
    return internal::Annotate(error, context);
  }
  ChannelOptions channel_options = options.channel_options;
  channel_options.peer_name = name;
  absl::StatusOr<std::shared_ptr<internal::SocketChannel>> channel =
      internal::SocketChannel::Create(std::move(parent_end), channel_options,
                                      internal::PeerProcess{std::move(watch), true});
  absl::Status status = channel.status();
  if (status.ok()) {
    absl::Time deadline = options.setup_timeout.has_value() ? absl::Now() + *options.setup_timeout
                                                            : absl::InfiniteFuture();
    status = (*channel)->AwaitHello(deadline);
  }
  Child child =
      internal::ChildAccess::Make(pid, options.name, *std::move(pidfd),
                                  channel.ok() ? std::shared_ptr<Channel>(*channel) : nullptr);
  if (!status.ok()) return internal::Annotate(status, context);  // ~Child kills and reaps
  return child;
}

}  // namespace forkrpc
