// placement.h: which CPUs a case's processes run on. On the VM the table was made on,
// waking a process on another CPU costs several times what it costs on the same one
// (a bare SEQPACKET round trip: about 48 us across CPUs, 8 us on one), and the
// scheduler, left alone, settles a ping-pong pair on one CPU in some runs and on two
// in others. So the latency cases pin, and say how in their metric names.
//   AddPlacedCase(Placement::kSplitCpus, "unary_16B", "floor", {"p50_us"}, {child.pid()},
//                 [&](benchmark::State& state, const std::string& suffix) {
//                   ...measure, naming the counters "p50_us" + suffix...
//                 });
#ifndef FORKRPC_BENCH_PLACEMENT_H_
#define FORKRPC_BENCH_PLACEMENT_H_

#include <sched.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace forkrpc_bench {

enum class Placement {
  // Every process on one CPU: each wakeup is a context switch, and what remains is the
  // cost of the code on the path.
  kSharedCpu,
  // This process on one CPU, its peers on another: each message wakes the other CPU.
  kSplitCpus,
  // Wherever the scheduler puts them.
  kUnpinned,
};

inline constexpr Placement kPlacements[] = {Placement::kSharedCpu, Placement::kSplitCpus,
                                            Placement::kUnpinned};
// For cases whose peers cannot be pinned apart (those not yet started when the case
// begins) or for which two pinned CPUs add nothing to the picture.
inline constexpr Placement kSharedAndUnpinned[] = {Placement::kSharedCpu, Placement::kUnpinned};

// What metric names end with for `placement`: "" (the headline), "_cross", "_unpinned".
const char* PlacementSuffix(Placement placement);
// Its name in benchmark names: "shared_cpu", "cross_cpu", "unpinned".
const char* PlacementName(Placement placement);

// Pins every thread of this process and of `peers` as `placement` says until
// destroyed, then gives them back every CPU this process started with. Threads
// started meanwhile inherit their creator's CPUs. With one CPU, kSplitCpus is
// kSharedCpu.
class ScopedPlacement {
 public:
  ScopedPlacement(Placement placement, std::vector<pid_t> peers);
  ~ScopedPlacement();
  ScopedPlacement(const ScopedPlacement&) = delete;
  ScopedPlacement& operator=(const ScopedPlacement&) = delete;

 private:
  std::vector<pid_t> peers_;
  bool pinned_ = false;
};

// Registers `run` as `impl` of `case_name` measured under `placement` (AddCase's
// variant is PlacementName): its `metrics` take the placement's suffix, this process
// and `peers` are pinned while it runs, and `run` is told the suffix to give its
// counters.
using PlacedCaseFunction = std::function<void(benchmark::State&, const std::string& suffix)>;
benchmark::internal::Benchmark* AddPlacedCase(Placement placement, const std::string& case_name,
                                              const std::string& impl,
                                              const std::vector<std::string>& metrics,
                                              std::vector<pid_t> peers, PlacedCaseFunction run,
                                              double weight = 1.0);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_PLACEMENT_H_
