// peer_client.h: what the benchmarks call on a peer column (gRPC, Cap'n Proto): Echo's
// calls, taking and giving the benchmarks' protobuf messages. Each peer implements it
// in its grpc_peer.cc or capnp_peer.cc.
#ifndef FORKRPC_BENCH_PEER_CLIENT_H_
#define FORKRPC_BENCH_PEER_CLIENT_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "bench.pb.h"

namespace forkrpc_bench {

class PeerEchoClient {
 public:
  virtual ~PeerEchoClient() = default;

  // One unary call.
  virtual absl::Status Unary(const Msg& request, Msg* reply) = 0;
  // `calls` unary calls with up to `window` in flight, from this thread, each
  // restarted from the completion of another.
  virtual absl::Status UnaryWindow(const Msg& request, int window, int64_t calls) = 0;
  // One Flood: `request.count()` messages from the server, each read.
  virtual absl::Status Flood(const FloodRequest& request) = 0;

  // An open PingPong stream. Used by one thread.
  class PingPong {
   public:
    virtual ~PingPong() = default;
    // Writes `request` and reads the answer into `reply`.
    virtual absl::Status RoundTrip(const Msg& request, Msg* reply) = 0;
    // Half-closes and returns the call's status.
    virtual absl::Status Finish() = 0;
  };
  // Whether the peer has bidirectional streams; OpenPingPong needs them.
  virtual bool HasPingPong() const = 0;
  virtual std::unique_ptr<PingPong> OpenPingPong() = 0;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_PEER_CLIENT_H_
