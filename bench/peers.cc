#include "bench/peers.h"

#include <optional>
#include <utility>

#include "bench/capnp_peer.h"
#include "bench/grpc_peer.h"

namespace forkrpc_bench {

std::vector<PeerColumn> ForkPeerServers() {
  std::vector<PeerColumn> peers;
  if (std::optional<PeerServerChild> grpc = ForkGrpcServerIfBuilt(1)) {
    peers.push_back(PeerColumn{"grpc", *std::move(grpc), nullptr});
  }
  std::optional<PeerServerChild> capnp =
      ForkPeerIfBuilt(CapnpBuilt(),
                      "built without Cap'n Proto (Debian: capnproto, libcapnp-dev); "
                      "the capnp column is skipped",
                      "fork the Cap'n Proto server", [] { return ForkCapnpServer(1); });
  if (capnp) {
    peers.push_back(PeerColumn{"capnp", *std::move(capnp), nullptr});
  }
  return peers;
}

void ConnectPeers(std::vector<PeerColumn>& peers) {
  for (PeerColumn& peer : peers) {
    forkrpc::UniqueFd end = peer.server.TakeClientEnd(0);
    if (peer.impl == "grpc") {
      peer.client = std::make_unique<GrpcEchoClient>(std::move(end));
    } else {
      peer.client = std::make_unique<CapnpEchoClient>(std::move(end));
    }
  }
}

}  // namespace forkrpc_bench
