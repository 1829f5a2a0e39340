// capnp_peer.h: the Cap'n Proto column: Echo (bench.capnp) served by Cap'n Proto's
// two-party RPC in a forked child, over a SOCK_STREAM socketpair, and the calls the
// benchmarks make on it. Cap'n Proto itself stays inside capnp_peer.cc, built only when
// CMake finds it; otherwise CapnpBuilt() is false and the rest of this header must not
// be used.
//
// The calls take and give the benchmarks' protobuf Msg: a request is copied into a
// Cap'n Proto message as it is built, and the reply's fields are copied out of the
// received message, as a user holding protobuf messages would do; the other columns
// serialize and parse instead.
//   absl::StatusOr<PeerServerChild> server = ForkCapnpServer(1);
//   ...fork the other children...
//   CapnpEchoClient client(server->TakeClientEnd(0));
//   absl::Status status = client.Unary(request, &reply);
#ifndef FORKRPC_BENCH_CAPNP_PEER_H_
#define FORKRPC_BENCH_CAPNP_PEER_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.pb.h"
#include "bench/peer_child.h"
#include "bench/peer_client.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// Whether this build has the Cap'n Proto column.
bool CapnpBuilt();

// Forks a child serving Echo with Cap'n Proto's two-party RPC on `connections`
// socketpairs.
absl::StatusOr<PeerServerChild> ForkCapnpServer(int connections);

// A two-party RPC client over one client end, with its own event loop: used by the
// thread that made it, only (Cap'n Proto's event loops are per thread). Messages of any
// size the benchmarks use are allowed both ways. Cap'n Proto streams by calls back to
// a capability the caller passes: Flood passes a sink; it has no PingPong.
class CapnpEchoClient final : public PeerEchoClient {
 public:
  // Takes the socket.
  explicit CapnpEchoClient(forkrpc::UniqueFd socket);
  ~CapnpEchoClient() override;

  absl::Status Unary(const Msg& request, Msg* reply) override;
  absl::Status UnaryWindow(const Msg& request, int window, int64_t calls) override;
  absl::Status Flood(const FloodRequest& request) override;
  bool HasPingPong() const override { return false; }
  std::unique_ptr<PingPong> OpenPingPong() override { return nullptr; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_CAPNP_PEER_H_
