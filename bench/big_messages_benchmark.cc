// big_messages_benchmark: unary round trips of 1 MiB and 64 MiB payloads: GB/s, counted
// as 2 x size / median round trip, since the payload crosses both ways. The floor is
// the best hand-written path (big_transfer.h): each is measured, interleaved, as
// gb_per_s_<path>, and gb_per_s is the fastest. Each with the processes on one CPU (the
// headline), on two (_cross), and where the scheduler puts them (_unpinned). Beside
// them a single-process memcpy of the same size, warm, is the physical yardstick
// (size / median copy time).
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/big_transfer.h"
#include "bench/echo_service.h"
#include "bench/measure.h"
#include "bench/peers.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

void RunFloor(benchmark::State& state, const std::string& suffix, std::vector<FloorChild>& children,
              size_t payload_size) {
  std::vector<LatencySamples> samples = MeasureBigPaths(state, children, MakeRequest(payload_size));
  if (state.error_occurred()) return;
  const double bytes = 2.0 * payload_size;
  for (size_t i = 0; i < samples.size(); ++i) {
    SetBandwidthCounters(state, samples[i], bytes,
                         absl::StrCat("_", BigPathName(kBigPaths[i]), suffix));
  }
  SetBandwidthCounters(state, samples[FastestPath(samples)], bytes, suffix);
}

void RunMemcpy(benchmark::State& state, size_t size) {
  std::vector<char> from(size, 'x');
  std::vector<char> to(size, 'y');
  MeasureBandwidth(state, static_cast<double>(size), "", [&] {
    std::memcpy(to.data(), from.data(), size);
    benchmark::ClobberMemory();
    return absl::OkStatus();
  });
}

struct Peers {
  std::vector<FloorChild> floors;  // one per kBigPaths
  std::vector<pid_t> floor_pids;
  std::vector<EchoHelper> helpers;
  std::vector<PeerColumn> peer_columns;
};

void AddBigCases(const std::string& case_name, size_t payload_size, double weight, Peers& peers) {
  std::vector<std::string> floor_metrics = {"gb_per_s", "p50_us"};
  for (BigPath path : kBigPaths) {
    for (const char* metric : {"gb_per_s_", "p50_us_"}) {
      floor_metrics.push_back(metric + std::string(BigPathName(path)));
    }
  }
  const std::vector<std::string> metrics = {"gb_per_s", "p50_us"};
  const double bytes = 2.0 * payload_size;
  for (Placement placement : kPlacements) {
    AddPlacedCase(
        placement, case_name, "floor", floor_metrics, peers.floor_pids,
        [&peers, payload_size](benchmark::State& state, const std::string& suffix) {
          RunFloor(state, suffix, peers.floors, payload_size);
        },
        weight);
    for (EchoHelper& helper : peers.helpers) {
      AddPlacedCase(
          placement, case_name, helper.impl, metrics, {helper.child.pid()},
          [&helper, payload_size, bytes](benchmark::State& state, const std::string& suffix) {
            frpc::Echo::Stub stub(helper.child.channel());
            Msg request = MakeRequest(payload_size);
            Msg reply;
            MeasureBandwidth(state, bytes, suffix, [&] { return EchoOnce(stub, request, &reply); });
          },
          weight);
    }
    for (PeerColumn& peer : peers.peer_columns) {
      AddPlacedCase(
          placement, case_name, peer.impl, metrics, {peer.server.pid()},
          [&peer, payload_size, bytes](benchmark::State& state, const std::string& suffix) {
            Msg request = MakeRequest(payload_size);
            Msg reply;
            MeasureBandwidth(state, bytes, suffix,
                             [&] { return peer.client->Unary(request, &reply); });
          },
          weight);
    }
  }
  AddCase(
      case_name, "memcpy", metrics,
      [payload_size](benchmark::State& state) { RunMemcpy(state, payload_size); }, weight / 4);
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::vector<PeerColumn> peer_columns = ForkPeerServers();
  Peers peers;
  absl::StatusOr<std::vector<FloorChild>> floors = ForkBigEchoChildren(&peers.floor_pids);
  CheckSetup(floors.status(), "fork the floor children");
  peers.floors = *std::move(floors);
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");
  peers.helpers = *std::move(helpers);
  ConnectPeers(peer_columns);
  peers.peer_columns = std::move(peer_columns);

  AddBigCases("big_1MiB", size_t{1} << 20, 0.5, peers);
  AddBigCases("big_64MiB", size_t{64} << 20, 2.0, peers);
  int exit_code = RunBenchmarks();

  for (FloorChild& child : peers.floors) CheckSetup(child.Stop(), "stop a floor child");
  CheckSetup(StopEchoHelpers(peers.helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
