#include "bench/measure.h"

#include <time.h>

#include <algorithm>
#include <cmath>

namespace forkrpc_bench {

int64_t NowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

double LatencySamples::PercentileUs(double p) {
  if (samples_ns_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_ns_.begin(), samples_ns_.end());
    sorted_ = true;
  }
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * samples_ns_.size()));
  size_t index = std::clamp<size_t>(rank, 1, samples_ns_.size()) - 1;
  return samples_ns_[index] / 1e3;
}

void SetLatencyCounters(benchmark::State& state, LatencySamples& samples,
                        const std::string& rate_metric, double operations, int64_t wall_ns,
                        const std::string& suffix) {
  state.counters["p50_us" + suffix] = samples.PercentileUs(50);
  state.counters["p99_us" + suffix] = samples.PercentileUs(99);
  if (rate_metric.empty()) return;
  state.counters[rate_metric + suffix] = wall_ns > 0 ? operations * 1e9 / wall_ns : 0;
}

void SetBandwidthCounters(benchmark::State& state, LatencySamples& samples, double bytes,
                          const std::string& suffix) {
  double p50_us = samples.PercentileUs(50);
  state.counters["p50_us" + suffix] = p50_us;
  state.counters["gb_per_s" + suffix] = p50_us > 0 ? bytes / (p50_us * 1e3) : 0;
}

}  // namespace forkrpc_bench
