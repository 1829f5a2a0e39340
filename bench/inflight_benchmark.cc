// inflight_benchmark: 64 unary calls of 16 B in flight on one channel: calls/s. The
// floor is a raw pipelined window of 64 (one thread sends 64 requests, then one more
// per reply); forkrpc keeps 64 async calls going, each restarted from its completion;
// gRPC does the same on a completion queue. Each with the processes on one CPU (the
// headline), on two (_cross), and where the scheduler puts them (_unpinned).
#include <sys/socket.h>

#include <string>
#include <vector>

#include "bench/async_window.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/measure.h"
#include "bench/peers.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

constexpr int kWindow = 64;
const std::vector<std::string> kMetrics = {"calls_per_s"};

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::vector<PeerColumn> peers = ForkPeerServers();
  absl::StatusOr<FloorChild> floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(floor.status(), "fork the floor child");
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");
  ConnectPeers(peers);

  const int64_t calls = PerIteration(4096, 2 * kWindow);
  const std::string case_name = "inflight64_16B";
  for (Placement placement : kPlacements) {
    AddPlacedCase(placement, case_name, "floor", kMetrics, {floor->pid()},
                  [&floor, calls](benchmark::State& state, const std::string& suffix) {
                    FloorSocket socket(floor->fd());
                    Msg request = MakeRequest(16);
                    MeasureRate(state, "calls_per_s" + suffix, calls,
                                [&] { return socket.Pipeline(request, kWindow, calls); });
                  });
    for (EchoHelper& helper : *helpers) {
      AddPlacedCase(placement, case_name, helper.impl, kMetrics, {helper.child.pid()},
                    [&helper, calls](benchmark::State& state, const std::string& suffix) {
                      frpc::Echo::Stub stub(helper.child.channel());
                      Msg request = MakeRequest(16);
                      AsyncWindow window(stub, request, kWindow);
                      MeasureRate(state, "calls_per_s" + suffix, calls,
                                  [&] { return window.Run(calls); });
                    });
    }
    for (PeerColumn& peer : peers) {
      AddPlacedCase(placement, case_name, peer.impl, kMetrics, {peer.server.pid()},
                    [&peer, calls](benchmark::State& state, const std::string& suffix) {
                      Msg request = MakeRequest(16);
                      MeasureRate(state, "calls_per_s" + suffix, calls, [&] {
                        return peer.client->UnaryWindow(request, kWindow, calls);
                      });
                    });
    }
  }
  int exit_code = RunBenchmarks();

  CheckSetup(floor->Stop(), "stop the floor child");
  CheckSetup(StopEchoHelpers(*helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
