// scaling_benchmark: how calls/s grow with concurrency, 16 B unary calls.
//   scaling_callers_N  N threads calling on one channel (N = 1, 2, 4, 16, 64), each
//                      making synchronous calls. The floor has no channel to share, so
//                      it is the raw pipelined window of N from one thread.
//   scaling_helpers_N  N helpers (N = 1, 2, 4), one calling thread each. The floor is
//                      N bare children, one thread doing round trips with each; gRPC
//                      is N server children, one channel each.
// Each with every process on one CPU (the headline) and where the scheduler puts them
// (_unpinned), which lets concurrency use both CPUs.
#include <sys/socket.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/grpc_peer.h"
#include "bench/measure.h"
#include "bench/placement.h"
#include "bench/worker_threads.h"

namespace forkrpc_bench {
namespace {

constexpr int kCallers[] = {1, 2, 4, 16, 64};
constexpr int kMostHelpers = 4;
constexpr int kHelpers[] = {1, 2, kMostHelpers};
const std::vector<std::string> kMetrics = {"calls_per_s"};

// kMostHelpers of each kind; the first serves the callers cases.
struct Peers {
  std::vector<FloorChild> floors;
  std::vector<std::vector<EchoHelper>> helpers;  // [socket type][helper]
  std::vector<std::unique_ptr<GrpcEchoClient>> grpc;
  std::vector<pid_t> pids;  // every child, for placement
};

// The calls one run of `threads` threads makes in all: enough to outlast the start.
int64_t CallsPerRun(int threads) {
  return PerIteration(std::max<int64_t>(2048, 64 * threads), 4 * threads);
}

// `threads` threads, thread i making `calls / threads` calls with `call(i, ...)`.
void RunThreads(benchmark::State& state, const std::string& suffix, int threads,
                std::function<absl::Status(int, const Msg&, Msg*)> call) {
  const int64_t per_thread = CallsPerRun(threads) / threads;
  WorkerThreads workers(threads, [&](int index) {
    Msg request = MakeRequest(16);
    Msg reply;
    for (int64_t i = 0; i < per_thread; ++i) {
      absl::Status status = call(index, request, &reply);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  });
  MeasureRate(state, "calls_per_s" + suffix, per_thread * threads,
              [&] { return workers.RunOnce(); });
}

void AddCallersCases(Peers& peers, Placement placement) {
  for (int n : kCallers) {
    const std::string case_name = absl::StrCat("scaling_callers_", n);
    AddPlacedCase(placement, case_name, "floor", kMetrics, peers.pids,
                  [&peers, n](benchmark::State& state, const std::string& suffix) {
                    FloorSocket socket(peers.floors[0].fd());
                    Msg request = MakeRequest(16);
                    int64_t calls = CallsPerRun(n);
                    MeasureRate(state, "calls_per_s" + suffix, calls,
                                [&] { return socket.Pipeline(request, n, calls); });
                  });
    for (std::vector<EchoHelper>& helpers : peers.helpers) {
      EchoHelper& helper = helpers[0];
      AddPlacedCase(placement, case_name, helper.impl, kMetrics, peers.pids,
                    [&helper, n](benchmark::State& state, const std::string& suffix) {
                      frpc::Echo::Stub stub(helper.child.channel());
                      RunThreads(state, suffix, n, [&stub](int, const Msg& request, Msg* reply) {
                        return EchoOnce(stub, request, reply);
                      });
                    });
    }
    if (peers.grpc.empty()) continue;
    AddPlacedCase(placement, case_name, "grpc", kMetrics, peers.pids,
                  [&peers, n](benchmark::State& state, const std::string& suffix) {
                    GrpcEchoClient& grpc = *peers.grpc[0];
                    RunThreads(state, suffix, n, [&grpc](int, const Msg& request, Msg* reply) {
                      return grpc.Unary(request, reply);
                    });
                  });
  }
}

void AddHelpersCases(Peers& peers, Placement placement) {
  for (int n : kHelpers) {
    const std::string case_name = absl::StrCat("scaling_helpers_", n);
    AddPlacedCase(placement, case_name, "floor", kMetrics, peers.pids,
                  [&peers, n](benchmark::State& state, const std::string& suffix) {
                    std::vector<FloorSocket> sockets;
                    for (int i = 0; i < n; ++i) sockets.emplace_back(peers.floors[i].fd());
                    RunThreads(state, suffix, n,
                               [&sockets](int index, const Msg& request, Msg* reply) {
                                 return sockets[index].RoundTrip(request, reply);
                               });
                  });
    for (std::vector<EchoHelper>& helpers : peers.helpers) {
      AddPlacedCase(
          placement, case_name, helpers[0].impl, kMetrics, peers.pids,
          [&helpers, n](benchmark::State& state, const std::string& suffix) {
            std::vector<std::unique_ptr<frpc::Echo::Stub>> stubs;
            for (int i = 0; i < n; ++i) {
              stubs.push_back(std::make_unique<frpc::Echo::Stub>(helpers[i].child.channel()));
            }
            RunThreads(state, suffix, n, [&stubs](int index, const Msg& request, Msg* reply) {
              return EchoOnce(*stubs[index], request, reply);
            });
          });
    }
    if (peers.grpc.empty()) continue;
    AddPlacedCase(placement, case_name, "grpc", kMetrics, peers.pids,
                  [&peers, n](benchmark::State& state, const std::string& suffix) {
                    RunThreads(state, suffix, n,
                               [&peers](int index, const Msg& request, Msg* reply) {
                                 return peers.grpc[index]->Unary(request, reply);
                               });
                  });
  }
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::vector<PeerServerChild> grpc_servers;
  for (int i = 0; i < kMostHelpers; ++i) {
    std::optional<PeerServerChild> server = ForkGrpcServerIfBuilt(1);
    if (!server) break;
    grpc_servers.push_back(*std::move(server));
  }
  Peers peers;
  for (int i = 0; i < kMostHelpers; ++i) {
    absl::StatusOr<FloorChild> floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
    CheckSetup(floor.status(), "fork a floor child");
    peers.floors.push_back(*std::move(floor));
  }
  for (forkrpc::SocketType type : kSocketTypes) {
    std::vector<EchoHelper>& helpers = peers.helpers.emplace_back();
    for (int i = 0; i < kMostHelpers; ++i) {
      absl::StatusOr<forkrpc::Child> child = SpawnEchoHelper(type);
      CheckSetup(child.status(), "spawn a forkrpc helper");
      helpers.push_back(EchoHelper{ImplName(type), *std::move(child)});
    }
  }
  for (PeerServerChild& server : grpc_servers) {
    peers.grpc.push_back(std::make_unique<GrpcEchoClient>(server.TakeClientEnd(0)));
  }

  for (FloorChild& floor : peers.floors) peers.pids.push_back(floor.pid());
  for (std::vector<EchoHelper>& helpers : peers.helpers) {
    for (EchoHelper& helper : helpers) peers.pids.push_back(helper.child.pid());
  }
  for (PeerServerChild& server : grpc_servers) peers.pids.push_back(server.pid());
  for (Placement placement : kSharedAndUnpinned) {
    AddCallersCases(peers, placement);
    AddHelpersCases(peers, placement);
  }
  int exit_code = RunBenchmarks();

  for (FloorChild& floor : peers.floors) CheckSetup(floor.Stop(), "stop a floor child");
  for (std::vector<EchoHelper>& helpers : peers.helpers) {
    CheckSetup(StopEchoHelpers(helpers), "stop the forkrpc helpers");
  }
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
