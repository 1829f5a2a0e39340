// grpc_peer.h: the gRPC column: Echo served by gRPC C++ in a forked child, over a
// SOCK_STREAM socketpair through gRPC's descriptor server and channel, and the calls
// the benchmarks make on it. gRPC itself stays inside grpc_peer.cc, which is built
// only when CMake finds gRPC; otherwise GrpcBuilt() is false and the rest of this
// header must not be used.
//
// gRPC is not fork-safe: fork every gRPC server (and every other child) before the
// first GrpcEchoClient exists in the process.
//   absl::StatusOr<PeerServerChild> server = ForkGrpcServer(1);
//   ...fork the other children...
//   GrpcEchoClient client(server->TakeClientEnd(0));
//   absl::Status status = client.Unary(request, &reply);
#ifndef FORKRPC_BENCH_GRPC_PEER_H_
#define FORKRPC_BENCH_GRPC_PEER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.pb.h"
#include "bench/peer_child.h"
#include "bench/peer_client.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// Whether this build has the gRPC column.
bool GrpcBuilt();

// Forks a child serving Echo with a gRPC server on `connections` socketpairs, one gRPC
// connection each.
absl::StatusOr<PeerServerChild> ForkGrpcServer(int connections);

// The gRPC server child with `connections` connections; in a build without gRPC, none,
// after a printed note that the gRPC column is skipped. Exits if the fork fails.
inline std::optional<PeerServerChild> ForkGrpcServerIfBuilt(int connections) {
  return ForkPeerIfBuilt(GrpcBuilt(),
                         "built without gRPC (Debian: libgrpc++-dev, protobuf-compiler-grpc); "
                         "the grpc column is skipped",
                         "fork the gRPC server", [&] { return ForkGrpcServer(connections); });
}

// A gRPC channel over one client end, with an Echo stub. Thread-safe, as gRPC's stub;
// UnaryWindow runs its calls on one completion queue.
class GrpcEchoClient final : public PeerEchoClient {
 public:
  // Takes the socket; messages of any size are allowed both ways.
  explicit GrpcEchoClient(forkrpc::UniqueFd socket);
  ~GrpcEchoClient() override;

  absl::Status Unary(const Msg& request, Msg* reply) override;
  absl::Status UnaryWindow(const Msg& request, int window, int64_t calls) override;
  absl::Status Flood(const FloodRequest& request) override;
  bool HasPingPong() const override { return true; }
  std::unique_ptr<PingPong> OpenPingPong() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_GRPC_PEER_H_
