#include "bench/peer_child.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <utility>

#include "bench/bench_main.h"
#include "bench/forked_process.h"

namespace forkrpc_bench {

absl::StatusOr<PeerServerChild> PeerServerChild::Fork(
    int connections, absl::FunctionRef<void(const std::vector<int>& sockets)> serve) {
  std::vector<forkrpc::UniqueFd> ours;
  std::vector<forkrpc::UniqueFd> theirs;
  std::vector<int> keep;
  for (int i = 0; i < connections; ++i) {
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      return ErrnoError("socketpair");
    }
    ours.emplace_back(ends[0]);
    theirs.emplace_back(ends[1]);
    keep.push_back(ends[1]);
  }
  absl::StatusOr<pid_t> pid = ForkProcess(keep, [&] { serve(keep); });
  if (!pid.ok()) return pid.status();
  return PeerServerChild(*pid, std::move(ours));
}

PeerServerChild::PeerServerChild(PeerServerChild&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), client_ends_(std::move(other.client_ends_)) {}

PeerServerChild& PeerServerChild::operator=(PeerServerChild&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    client_ends_ = std::move(other.client_ends_);
  }
  return *this;
}

PeerServerChild::~PeerServerChild() { Stop(); }

forkrpc::UniqueFd PeerServerChild::TakeClientEnd(int index) {
  return std::move(client_ends_.at(index));
}

void PeerServerChild::Stop() {
  client_ends_.clear();
  if (pid_ < 0) return;
  // Not yet reaped, so the pid is still this child's.
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::optional<PeerServerChild> ForkPeerIfBuilt(
    bool built, const std::string& absent_note, const char* what,
    absl::FunctionRef<absl::StatusOr<PeerServerChild>()> fork) {
  if (!built) {
    PrintNote(absent_note);
    return std::nullopt;
  }
  absl::StatusOr<PeerServerChild> server = fork();
  CheckSetup(server.status(), what);
  return *std::move(server);
}

}  // namespace forkrpc_bench
