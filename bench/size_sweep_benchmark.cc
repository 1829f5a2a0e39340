// size_sweep_benchmark: unary round-trip latency against payload size, 16 B to 64 MiB
// by factors of 4: p50 and p99 at each size. Every process runs on one CPU, so each
// point is the cost of the path rather than of where the scheduler put the processes.
// The floor is one packet each way while the message fits, and above that the fastest
// hand-written path of big_transfer.h at that size (each measured, interleaved).
#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/big_transfer.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/measure.h"
#include "bench/peers.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

constexpr size_t kSmallest = 16;
constexpr size_t kLargest = size_t{64} << 20;
// The largest serialized message one SOCK_SEQPACKET packet carries by default.
constexpr size_t kPacketLimit = 212960;
const std::vector<std::string> kMetrics = {"p50_us", "p99_us"};
// One placement for the whole curve; its suffix is empty.
constexpr Placement kPlacement = Placement::kSharedCpu;

struct Peers {
  FloorChild packet_floor;
  std::vector<FloorChild> big_floors;  // one per kBigPaths
  std::vector<EchoHelper> helpers;
  std::vector<pid_t> floor_pids;
  std::vector<PeerColumn> peer_columns;
};

// Time per point: small sizes are quick, and big ones need only a few round trips.
double Weight(size_t payload_size) { return payload_size >= (size_t{16} << 20) ? 1.0 : 0.3; }

void RunFloor(benchmark::State& state, Peers& peers, size_t payload_size) {
  Msg request = MakeRequest(payload_size);
  if (request.ByteSizeLong() <= kPacketLimit) {
    FloorSocket socket(peers.packet_floor.fd());
    Msg reply;
    return MeasureEach(state, "", "", [&] { return socket.RoundTrip(request, &reply); });
  }
  std::vector<LatencySamples> samples = MeasureBigPaths(state, peers.big_floors, request);
  if (state.error_occurred()) return;
  SetLatencyCounters(state, samples[FastestPath(samples)], "", 0, 0);
}

void AddSizeCases(size_t payload_size, Peers& peers) {
  const std::string case_name = absl::StrCat("size_sweep_", payload_size);
  const double weight = Weight(payload_size);
  AddPlacedCase(
      kPlacement, case_name, "floor", kMetrics, peers.floor_pids,
      [&peers, payload_size](benchmark::State& state, const std::string&) {
        RunFloor(state, peers, payload_size);
      },
      weight);
  for (EchoHelper& helper : peers.helpers) {
    AddPlacedCase(
        kPlacement, case_name, helper.impl, kMetrics, {helper.child.pid()},
        [&helper, payload_size](benchmark::State& state, const std::string&) {
          frpc::Echo::Stub stub(helper.child.channel());
          Msg request = MakeRequest(payload_size);
          Msg reply;
          MeasureEach(state, "", "", [&] { return EchoOnce(stub, request, &reply); });
        },
        weight);
  }
  for (PeerColumn& peer : peers.peer_columns) {
    AddPlacedCase(
        kPlacement, case_name, peer.impl, kMetrics, {peer.server.pid()},
        [&peer, payload_size](benchmark::State& state, const std::string&) {
          Msg request = MakeRequest(payload_size);
          Msg reply;
          MeasureEach(state, "", "", [&] { return peer.client->Unary(request, &reply); });
        },
        weight);
  }
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::vector<PeerColumn> peer_columns = ForkPeerServers();
  absl::StatusOr<FloorChild> packet_floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(packet_floor.status(), "fork the floor child");
  Peers peers{*std::move(packet_floor)};
  peers.floor_pids.push_back(peers.packet_floor.pid());
  absl::StatusOr<std::vector<FloorChild>> big_floors = ForkBigEchoChildren(&peers.floor_pids);
  CheckSetup(big_floors.status(), "fork the floor children");
  peers.big_floors = *std::move(big_floors);
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");
  peers.helpers = *std::move(helpers);
  ConnectPeers(peer_columns);
  peers.peer_columns = std::move(peer_columns);

  for (size_t size = kSmallest; size <= kLargest; size *= 4) AddSizeCases(size, peers);
  int exit_code = RunBenchmarks();

  CheckSetup(peers.packet_floor.Stop(), "stop the floor child");
  for (FloorChild& child : peers.big_floors) CheckSetup(child.Stop(), "stop a floor child");
  CheckSetup(StopEchoHelpers(peers.helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
