#include "bench/peers.h"

#include <optional>
#include <utility>

#include "bench/capnp_peer.h"
#include "bench/grpc_peer.h"

namespace forkrpc_bench {
namespace {

template <class Client>
std::unique_ptr<PeerEchoClient> Connect(forkrpc::UniqueFd socket) {
  return std::make_unique<Client>(std::move(socket));
}

}  // namespace

std::vector<PeerColumn> ForkPeerServers() {
  std::vector<PeerColumn> peers;
  if (std::optional<PeerServerChild> grpc = ForkGrpcServerIfBuilt(1)) {
    peers.push_back(PeerColumn{"grpc", *std::move(grpc), Connect<GrpcEchoClient>, nullptr});
  }
  std::optional<PeerServerChild> capnp =
      ForkPeerIfBuilt(CapnpBuilt(),
                      "built without Cap'n Proto (Debian: capnproto, libcapnp-dev); "
                      "the capnp column is skipped",
                      "fork the Cap'n Proto server", [] { return ForkCapnpServer(1); });
  if (capnp) {
    peers.push_back(PeerColumn{"capnp", *std::move(capnp), Connect<CapnpEchoClient>, nullptr});
  }
  return peers;
}

void ConnectPeers(std::vector<PeerColumn>& peers) {
  for (PeerColumn& peer : peers) peer.client = peer.connect(peer.server.TakeClientEnd(0));
}

}  // namespace forkrpc_bench
