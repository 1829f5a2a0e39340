// grpc_peer.h: the gRPC column: Echo served by gRPC C++ in a forked child, over a
// SOCK_STREAM socketpair through gRPC's descriptor server and channel, and the calls
// the benchmarks make on it. gRPC itself stays inside grpc_peer.cc, which is built
// only when CMake finds gRPC; otherwise GrpcBuilt() is false and the rest of this
// header must not be used.
//
// gRPC is not fork-safe: fork every GrpcServerChild (and every other child) before
// the first GrpcEchoClient exists in the process.
//   absl::StatusOr<GrpcServerChild> server = GrpcServerChild::Fork(1);
//   ...fork the other children...
//   GrpcEchoClient client(server->TakeClientEnd(0));
//   absl::Status status = client.Unary(request, &reply);
#ifndef FORKRPC_BENCH_GRPC_PEER_H_
#define FORKRPC_BENCH_GRPC_PEER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.pb.h"
#include "bench/bench_main.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// Whether this build has the gRPC column.
bool GrpcBuilt();

// A forked child serving Echo with a gRPC server on `connections` socketpairs, one
// gRPC connection each. Move-only; the destructor kills and reaps it.
class GrpcServerChild {
 public:
  static absl::StatusOr<GrpcServerChild> Fork(int connections);

  GrpcServerChild(GrpcServerChild&& other) noexcept;
  GrpcServerChild& operator=(GrpcServerChild&& other) noexcept;
  ~GrpcServerChild();

  pid_t pid() const { return pid_; }
  // Our end of connection `index`, for a GrpcEchoClient; empty once taken.
  forkrpc::UniqueFd TakeClientEnd(int index);
  // Kills the child (a gRPC server has no end-of-file to stop on) and reaps it.
  void Stop();

 private:
  GrpcServerChild(pid_t pid, std::vector<forkrpc::UniqueFd> client_ends)
      : pid_(pid), client_ends_(std::move(client_ends)) {}

  pid_t pid_ = -1;
  std::vector<forkrpc::UniqueFd> client_ends_;
};

// The gRPC server child with `connections` connections; in a build without gRPC, none,
// after a printed note that the gRPC column is skipped. Exits if the fork fails.
inline std::optional<GrpcServerChild> ForkGrpcServerIfBuilt(int connections) {
  if (!GrpcBuilt()) {
    PrintNote(
        "built without gRPC (Debian: libgrpc++-dev, protobuf-compiler-grpc); "
        "the grpc column is skipped");
    return std::nullopt;
  }
  absl::StatusOr<GrpcServerChild> server = GrpcServerChild::Fork(connections);
  CheckSetup(server.status(), "fork the gRPC server");
  return *std::move(server);
}

// A gRPC channel over one client end, with an Echo stub. Thread-safe, as gRPC's stub.
class GrpcEchoClient {
 public:
  // Takes the socket; messages of any size are allowed both ways.
  explicit GrpcEchoClient(forkrpc::UniqueFd socket);
  ~GrpcEchoClient();

  // One synchronous unary call.
  absl::Status Unary(const Msg& request, Msg* reply);
  // `calls` unary calls with up to `window` in flight, from this thread, on one
  // completion queue.
  absl::Status UnaryWindow(const Msg& request, int window, int64_t calls);
  // One Flood call, reading every message.
  absl::Status Flood(const FloodRequest& request);

  // An open PingPong stream. Used by one thread.
  class PingPong {
   public:
    virtual ~PingPong() = default;
    // Writes `request` and reads the answer into `reply`.
    virtual absl::Status RoundTrip(const Msg& request, Msg* reply) = 0;
    // Half-closes and returns the call's status.
    virtual absl::Status Finish() = 0;
  };
  std::unique_ptr<PingPong> OpenPingPong();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_GRPC_PEER_H_
