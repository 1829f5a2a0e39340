// The Cap'n Proto column's stand-in when CMake found no Cap'n Proto: CapnpBuilt() is
// false, and the benchmarks register no capnp case, so nothing else here runs.
#include <cstdlib>

#include "bench/capnp_peer.h"

namespace forkrpc_bench {
namespace {

absl::Status NotBuilt() { return absl::UnimplementedError("built without Cap'n Proto"); }

}  // namespace

bool CapnpBuilt() { return false; }

absl::StatusOr<PeerServerChild> ForkCapnpServer(int connections) { return NotBuilt(); }

struct CapnpEchoClient::Impl {};
CapnpEchoClient::CapnpEchoClient(forkrpc::UniqueFd socket) { std::abort(); }
CapnpEchoClient::~CapnpEchoClient() = default;
absl::Status CapnpEchoClient::Unary(const Msg& request, Msg* reply) { return NotBuilt(); }
absl::Status CapnpEchoClient::UnaryWindow(const Msg& request, int window, int64_t calls) {
  return NotBuilt();
}
absl::Status CapnpEchoClient::Flood(const FloodRequest& request) { return NotBuilt(); }

}  // namespace forkrpc_bench
