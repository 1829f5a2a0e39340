// The gRPC column's stand-in when CMake found no gRPC: GrpcBuilt() is false, and the
// benchmarks register no gRPC case, so nothing else here runs.
#include <cstdlib>

#include "bench/grpc_peer.h"

namespace forkrpc_bench {
namespace {

absl::Status NotBuilt() { return absl::UnimplementedError("built without gRPC"); }

}  // namespace

bool GrpcBuilt() { return false; }

absl::StatusOr<PeerServerChild> ForkGrpcServer(int connections) { return NotBuilt(); }

struct GrpcEchoClient::Impl {};
GrpcEchoClient::GrpcEchoClient(forkrpc::UniqueFd socket) { std::abort(); }
GrpcEchoClient::~GrpcEchoClient() = default;
absl::Status GrpcEchoClient::Unary(const Msg& request, Msg* reply) { return NotBuilt(); }
absl::Status GrpcEchoClient::UnaryWindow(const Msg& request, int window, int64_t calls) {
  return NotBuilt();
}
absl::Status GrpcEchoClient::Flood(const FloodRequest& request) { return NotBuilt(); }
std::unique_ptr<PeerEchoClient::PingPong> GrpcEchoClient::OpenPingPong() { return nullptr; }

}  // namespace forkrpc_bench
