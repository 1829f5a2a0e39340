// peer_child.h: the process side of the peer columns (gRPC, Cap'n Proto): a forked
// child serving the peer's Echo on SOCK_STREAM socketpairs, one connection each, until
// it is killed. The peer's own code stays in its grpc_peer.cc or capnp_peer.cc.
//
// Fork every peer child (and every other child) before any peer object exists in the
// parent: gRPC is not fork-safe.
//   absl::StatusOr<PeerServerChild> server =
//       PeerServerChild::Fork(1, [](const std::vector<int>& sockets) { Serve(sockets); });
//   forkrpc::UniqueFd end = server->TakeClientEnd(0);
#ifndef FORKRPC_BENCH_PEER_CHILD_H_
#define FORKRPC_BENCH_PEER_CHILD_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// Move-only; the destructor kills and reaps the child.
class PeerServerChild {
 public:
  // Forks a child that runs `serve` on its ends of `connections` socketpairs and is
  // killed when done with (a peer server has no end-of-file to stop on).
  static absl::StatusOr<PeerServerChild> Fork(
      int connections, absl::FunctionRef<void(const std::vector<int>& sockets)> serve);

  PeerServerChild(PeerServerChild&& other) noexcept;
  PeerServerChild& operator=(PeerServerChild&& other) noexcept;
  ~PeerServerChild();

  pid_t pid() const { return pid_; }
  // Our end of connection `index`, for the peer's client; empty once taken.
  forkrpc::UniqueFd TakeClientEnd(int index);
  // Kills the child and reaps it.
  void Stop();

 private:
  PeerServerChild(pid_t pid, std::vector<forkrpc::UniqueFd> client_ends)
      : pid_(pid), client_ends_(std::move(client_ends)) {}

  pid_t pid_ = -1;
  std::vector<forkrpc::UniqueFd> client_ends_;
};

// A column's server child when the column is `built`; otherwise none, after printing
// `absent_note`. `fork` forks it; if that fails, the program exits naming `what`.
std::optional<PeerServerChild> ForkPeerIfBuilt(
    bool built, const std::string& absent_note, const char* what,
    absl::FunctionRef<absl::StatusOr<PeerServerChild>()> fork);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_PEER_CHILD_H_
