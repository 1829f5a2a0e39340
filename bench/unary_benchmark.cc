// unary_benchmark: one unary call at a time with 16 B and 4 KiB payloads: p50 and p99
// latency and calls/s, for the floor (a blocking round trip over a bare socketpair),
// forkrpc over SEQPACKET and DGRAM, gRPC, and Cap'n Proto; each with the processes on one CPU (the
// headline metrics), on two (_cross), and where the scheduler puts them (_unpinned).
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/measure.h"
#include "bench/peers.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

const std::vector<std::string> kMetrics = {"p50_us", "p99_us", "calls_per_s"};

// One implementation's unary call and the processes it talks to.
struct UnaryImpl {
  std::string name;
  std::vector<pid_t> peers;
  std::function<absl::Status(const Msg& request, Msg* reply)> call;
};

void AddUnaryCases(const std::string& case_name, size_t payload_size,
                   std::vector<UnaryImpl>& impls) {
  for (Placement placement : kPlacements) {
    for (UnaryImpl& impl : impls) {
      AddPlacedCase(placement, case_name, impl.name, kMetrics, impl.peers,
                    [&impl, payload_size](benchmark::State& state, const std::string& suffix) {
                      Msg request = MakeRequest(payload_size);
                      Msg reply;
                      MeasureEach(state, "calls_per_s", suffix,
                                  [&] { return impl.call(request, &reply); });
                    });
    }
  }
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  // Every child is forked before any gRPC object exists here; the peers' servers first.
  std::vector<PeerColumn> peers = ForkPeerServers();
  absl::StatusOr<FloorChild> floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(floor.status(), "fork the floor child");
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");

  FloorSocket floor_socket(floor->fd());
  std::vector<UnaryImpl> impls;
  impls.push_back({"floor", {floor->pid()}, [&](const Msg& request, Msg* reply) {
                     return floor_socket.RoundTrip(request, reply);
                   }});
  std::vector<std::unique_ptr<frpc::Echo::Stub>> stubs;
  for (EchoHelper& helper : *helpers) {
    frpc::Echo::Stub* stub =
        stubs.emplace_back(std::make_unique<frpc::Echo::Stub>(helper.child.channel())).get();
    impls.push_back({helper.impl, {helper.child.pid()}, [stub](const Msg& request, Msg* reply) {
                       return EchoOnce(*stub, request, reply);
                     }});
  }
  ConnectPeers(peers);
  for (PeerColumn& peer : peers) {
    PeerEchoClient* client = peer.client.get();
    impls.push_back({peer.impl, {peer.server.pid()}, [client](const Msg& request, Msg* reply) {
                       return client->Unary(request, reply);
                     }});
  }

  AddUnaryCases("unary_16B", 16, impls);
  AddUnaryCases("unary_4KiB", 4096, impls);
  int exit_code = RunBenchmarks();

  stubs.clear();
  CheckSetup(floor->Stop(), "stop the floor child");
  CheckSetup(StopEchoHelpers(*helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
