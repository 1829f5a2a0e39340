// inflight_benchmark: 64 unary calls of 16 B in flight on one channel: calls/s. The
// floor is a raw pipelined window of 64 (one thread sends 64 requests, then one more
// per reply); forkrpc keeps 64 async calls going, each restarted from its completion;
// gRPC does the same on a completion queue. Each with the processes on one CPU (the
// headline), on two (_cross), and where the scheduler puts them (_unpinned).
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/grpc_peer.h"
#include "bench/measure.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

constexpr int kWindow = 64;
const std::vector<std::string> kMetrics = {"calls_per_s"};

// Keeps `window` async Unary calls in flight on a stub until a run's calls are done;
// each completion starts the next call on its slot. `stub` and `request` outlive it.
// Run belongs to one thread; completions arrive on the runtime's.
class AsyncWindow {
 public:
  AsyncWindow(frpc::Echo::Stub& stub, const Msg& request, int window)
      : stub_(stub), request_(request), slots_(window) {}

  // Makes `calls` calls; the first error, if any.
  absl::Status Run(int64_t calls) {
    {
      absl::MutexLock lock(&mu_);
      total_ = calls;
      started_ = std::min<int64_t>(calls, slots_.size());
      finished_ = 0;
      error_ = absl::OkStatus();
    }
    for (int64_t i = 0; i < std::min<int64_t>(calls, slots_.size()); ++i) Start(slots_[i]);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](AsyncWindow* window) { return window->finished_ == window->total_; }, this));
    return error_;
  }

 private:
  struct Slot {
    std::unique_ptr<forkrpc::ClientContext> context;
    Msg reply;
  };

  void Start(Slot& slot) {
    slot.context = std::make_unique<forkrpc::ClientContext>();
    stub_.Unary(*slot.context, request_, &slot.reply,
                [this, &slot](absl::Status status) { Done(slot, std::move(status)); });
  }

  // Runs on a runtime thread; starting the next call there does not block.
  void Done(Slot& slot, absl::Status status) {
    bool again = false;
    {
      absl::MutexLock lock(&mu_);
      ++finished_;
      if (!status.ok() && error_.ok()) error_ = std::move(status);
      again = started_ < total_;
      if (again) ++started_;
    }
    if (again) Start(slot);
  }

  frpc::Echo::Stub& stub_;
  const Msg& request_;
  std::vector<Slot> slots_;
  absl::Mutex mu_;
  int64_t total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::optional<GrpcServerChild> grpc_server = ForkGrpcServerIfBuilt(1);
  absl::StatusOr<FloorChild> floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(floor.status(), "fork the floor child");
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");
  std::unique_ptr<GrpcEchoClient> grpc;
  if (grpc_server) grpc = std::make_unique<GrpcEchoClient>(grpc_server->TakeClientEnd(0));

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
    if (!grpc) continue;
    AddPlacedCase(placement, case_name, "grpc", kMetrics, {grpc_server->pid()},
                  [&grpc, calls](benchmark::State& state, const std::string& suffix) {
                    Msg request = MakeRequest(16);
                    MeasureRate(state, "calls_per_s" + suffix, calls,
                                [&] { return grpc->UnaryWindow(request, kWindow, calls); });
                  });
  }
  int exit_code = RunBenchmarks();

  CheckSetup(floor->Stop(), "stop the floor child");
  CheckSetup(StopEchoHelpers(*helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
