// measure.h: timing for the benchmarks: a monotonic clock, the per-operation samples a
// case collects with their percentiles, and the loops the cases run: time each operation
// and report p50, p99 and the rate (MeasureEach) or p50 and GB/s (MeasureBandwidth), or
// time batches and report the rate alone (MeasureRate).
//   MeasureEach(state, "calls_per_s", "", [&] { return client.RoundTrip(request, &reply); });
//   MeasureRate(state, "msgs_per_s", 10000, [&] { return client.Flood(ten_thousand); });
#ifndef FORKRPC_BENCH_MEASURE_H_
#define FORKRPC_BENCH_MEASURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/bench_main.h"
#include "benchmark/benchmark.h"

namespace forkrpc_bench {

// Nanoseconds on CLOCK_MONOTONIC.
int64_t NowNs();

// Durations of single operations. Thread-compatible.
class LatencySamples {
 public:
  void Add(int64_t ns) {
    samples_ns_.push_back(ns);
    sorted_ = false;
  }
  size_t count() const { return samples_ns_.size(); }
  // The `p`th percentile (0 < p <= 100, nearest rank) in microseconds; 0 if empty.
  double PercentileUs(double p);

 private:
  std::vector<int64_t> samples_ns_;
  bool sorted_ = false;
};

// Sets the counters p50_us, p99_us and, unless it is empty, `rate_metric` (`operations`
// per second of `wall_ns`), each name followed by `suffix`.
void SetLatencyCounters(benchmark::State& state, LatencySamples& samples,
                        const std::string& rate_metric, double operations, int64_t wall_ns,
                        const std::string& suffix = "");

// Runs `operation` (returning absl::Status) once untimed, to grow and warm buffers, then
// once per iteration, timing each, and sets p50_us, p99_us and `rate_metric` over the
// timed loop, each followed by `suffix`. The first error ends the case (EndWithStatus).
template <class Operation>
void MeasureEach(benchmark::State& state, const std::string& rate_metric, const std::string& suffix,
                 Operation&& operation) {
  absl::Status warm = operation();
  if (!warm.ok()) return EndWithStatus(state, warm);
  LatencySamples samples;
  int64_t start = NowNs();
  for (auto _ : state) {
    int64_t begin = NowNs();
    absl::Status status = operation();
    samples.Add(NowNs() - begin);
    if (!status.ok()) {
      EndWithStatus(state, status);
      return;
    }
  }
  SetLatencyCounters(state, samples, rate_metric, static_cast<double>(samples.count()),
                     NowNs() - start, suffix);
}

// Sets p50_us`suffix` and gb_per_s`suffix` from `samples` of operations moving `bytes`.
void SetBandwidthCounters(benchmark::State& state, LatencySamples& samples, double bytes,
                          const std::string& suffix);

// Runs `operation` (returning absl::Status) once untimed, to grow and warm buffers, then
// once per iteration, timing each, and sets p50_us and gb_per_s, each followed by
// `suffix`: `bytes` (what one operation moves) over the median time, which a stray
// process on the machine disturbs less than the mean.
template <class Operation>
void MeasureBandwidth(benchmark::State& state, double bytes, const std::string& suffix,
                      Operation&& operation) {
  absl::Status warm = operation();
  if (!warm.ok()) return EndWithStatus(state, warm);
  LatencySamples samples;
  for (auto _ : state) {
    int64_t begin = NowNs();
    absl::Status status = operation();
    samples.Add(NowNs() - begin);
    if (!status.ok()) {
      EndWithStatus(state, status);
      return;
    }
  }
  SetBandwidthCounters(state, samples, bytes, suffix);
}

// Runs `operation` (returning absl::Status), which does `per_iteration` operations,
// once per iteration, and sets `rate_metric`: operations per second over the loop.
template <class Operation>
void MeasureRate(benchmark::State& state, const std::string& rate_metric, int64_t per_iteration,
                 Operation&& operation) {
  int64_t start = NowNs();
  for (auto _ : state) {
    absl::Status status = operation();
    if (!status.ok()) {
      EndWithStatus(state, status);
      return;
    }
  }
  int64_t wall_ns = NowNs() - start;
  double operations = static_cast<double>(state.iterations()) * per_iteration;
  state.counters[rate_metric] = wall_ns > 0 ? operations * 1e9 / wall_ns : 0;
}

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_MEASURE_H_
