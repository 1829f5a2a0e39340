// peers.h: the peer columns a build has, for the benchmarks that run every peer alike:
// each peer's server in a forked child with one connection, and a client on it.
//   std::vector<PeerColumn> peers = ForkPeerServers();  // before anything else forks
//   ...fork the floor, spawn the helpers...
//   ConnectPeers(peers);
//   for (PeerColumn& peer : peers) peer.client->Unary(request, &reply);
#ifndef FORKRPC_BENCH_PEERS_H_
#define FORKRPC_BENCH_PEERS_H_

#include <memory>
#include <string>
#include <vector>

#include "bench/peer_child.h"
#include "bench/peer_client.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

struct PeerColumn {
  std::string impl;  // as records name it: "grpc", "capnp"
  PeerServerChild server;
  // How ConnectPeers makes `client` on the server's connection.
  std::unique_ptr<PeerEchoClient> (*connect)(forkrpc::UniqueFd socket);
  std::unique_ptr<PeerEchoClient> client;  // null until ConnectPeers
};

// Forks the server of each peer this build has, gRPC first, and prints a note for each
// it lacks. gRPC is not fork-safe: call this before any other child is forked, and
// ConnectPeers after the last. Exits if a fork fails.
std::vector<PeerColumn> ForkPeerServers();

// Makes each column's client on its server's connection.
void ConnectPeers(std::vector<PeerColumn>& peers);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_PEERS_H_
