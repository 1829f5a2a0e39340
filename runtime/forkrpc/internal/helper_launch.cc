#include "forkrpc/internal/helper_launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/pidfd.h"
#include "forkrpc/internal/socket_channel.h"

namespace forkrpc::internal {

void ServerAccess::SetSetupError(Server& server, absl::Status error) {
  absl::MutexLock lock(&server.mu_);
  server.registration_error_.Update(std::move(error));
}

absl::Status ServerAccess::Serve(Server& server, UniqueFd socket, std::string peer_name,
                                 UniqueFd parent_pidfd, absl::Duration handler_grace) {
  return server.ServeConnection(std::move(socket), std::move(peer_name), std::move(parent_pidfd),
                                handler_grace);
}

Child ChildAccess::Make(pid_t pid, std::string name, UniqueFd pidfd,
                        std::shared_ptr<Channel> channel) {
  return Child(pid, std::move(name), std::move(pidfd), std::move(channel));
}

absl::Status ServeParent(Server& server, UniqueFd socket, pid_t parent,
                         absl::Duration handler_grace) {
  absl::StatusOr<UniqueFd> parent_pidfd = PidfdOpen(parent);
  return ServerAccess::Serve(server, std::move(socket), absl::StrCat("parent (pid ", parent, ")"),
                             parent_pidfd.ok() ? *std::move(parent_pidfd) : UniqueFd(),
                             handler_grace);
}

std::vector<int> SortedKeepList(std::vector<int> keep) {
  keep.push_back(STDERR_FILENO);
  std::sort(keep.begin(), keep.end());
  return keep;
}

void CloseAllBut(absl::Span<const int> sorted_keep) {
  int next = 3;
  for (int fd : sorted_keep) {
    if (fd > next) ::close_range(static_cast<unsigned>(next), static_cast<unsigned>(fd - 1), 0);
    next = std::max(next, fd + 1);
  }
  ::close_range(static_cast<unsigned>(next), ~0u, 0);
}

absl::StatusOr<Child> ConnectToHelper(pid_t pid, UniqueFd parent_end, const SpawnOptions& options,
                                      const std::string& context) {
  std::string name = absl::StrCat("helper ", options.name, " (pid ", pid, ")");
  absl::StatusOr<UniqueFd> pidfd = PidfdOpen(pid);
  if (!pidfd.ok()) {
    // Without a pidfd the pid is all we have; it cannot have been reaped yet.
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Annotate(pidfd.status(), context);
  }
  UniqueFd watch(::fcntl(pidfd->get(), F_DUPFD_CLOEXEC, 0));
  if (!watch.valid()) {
    absl::Status error = ErrnoStatus("fcntl(F_DUPFD_CLOEXEC)", errno);
    PidfdSendSignal(pidfd->get(), SIGKILL).IgnoreError();
    ReapProcess(pidfd->get()).IgnoreError();
    return Annotate(error, context);
  }
  ChannelOptions channel_options = options.channel_options;
  channel_options.peer_name = name;
  absl::StatusOr<std::shared_ptr<SocketChannel>> channel = SocketChannel::Create(
      std::move(parent_end), channel_options, PeerProcess{std::move(watch), true});
  absl::Status status = channel.status();
  if (status.ok()) {
    absl::Time deadline = options.setup_timeout.has_value() ? absl::Now() + *options.setup_timeout
                                                            : absl::InfiniteFuture();
    status = (*channel)->AwaitHello(deadline);
  }
  Child child = ChildAccess::Make(pid, options.name, *std::move(pidfd),
                                  channel.ok() ? std::shared_ptr<Channel>(*channel) : nullptr);
  if (!status.ok()) return Annotate(status, context);  // ~Child kills and reaps
  return child;
}

}  // namespace forkrpc::internal
