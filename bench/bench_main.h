// bench_main.h: what every benchmark program shares around Google Benchmark: the run
// mode (--quick, --smoke), the registry of cases (each a case, an implementation and
// the metrics it reports as counters), and the run, which writes every result as a
// record {case, impl, metric, value, unit} to the file named by --records=FILE.
//   int main(int argc, char** argv) {
//     forkrpc_bench::InitBenchmarks(&argc, argv);
//     ...fork every helper the cases need, before any gRPC object exists...
//     forkrpc_bench::AddCase("unary_16B", "floor", {"p50_us", "p99_us"}, RunFloor);
//     return forkrpc_bench::RunBenchmarks();
//   }
//
// A case that cannot run reports why: Fail() for a real failure, which makes the
// program exit non-zero, or ReportUnsupported() for a point the runtime refuses with
// RESOURCE_EXHAUSTED (a message over its limits), recorded as "n/a" with no value.
#ifndef FORKRPC_BENCH_BENCH_MAIN_H_
#define FORKRPC_BENCH_BENCH_MAIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "benchmark/benchmark.h"

namespace forkrpc_bench {

// kFull for the published table; kQuick runs each case briefly; kSmoke runs each
// once, with small counts, so the test suite keeps the programs working.
enum class RunMode { kFull, kQuick, kSmoke };

RunMode Mode();

// `full` in a full or quick run, `smoke` in a smoke run: how much work one iteration
// does, when that is a count (messages per flood, calls per batch).
int64_t PerIteration(int64_t full, int64_t smoke);

// Reads and removes our flags (--quick, --smoke, --records=FILE) and Google
// Benchmark's from argv. Exits with a usage message on an unknown flag.
void InitBenchmarks(int* argc, char** argv);

using CaseFunction = std::function<void(benchmark::State&)>;

// Registers `impl` running `case_name`, named "case/impl" (or "case/impl/variant" when
// one case and impl measure several ways), reporting the counters named in `metrics`.
// It runs for at least `weight` times the mode's minimum time (once in a smoke run, and
// always once if `weight` is 0), in wall-clock time, since the work happens in other
// processes too.
benchmark::internal::Benchmark* AddCase(const std::string& case_name, const std::string& impl,
                                        std::vector<std::string> metrics, CaseFunction function,
                                        double weight = 1.0, const std::string& variant = "");

// `metrics`, each followed by `suffix`.
std::vector<std::string> WithSuffix(std::vector<std::string> metrics, const std::string& suffix);

// Ends the running case as failed; the program will exit non-zero. Call it, then
// leave the benchmark loop.
void Fail(benchmark::State& state, const absl::Status& status);

// Ends the running case as "n/a": the runtime does not support this point yet.
void ReportUnsupported(benchmark::State& state, const absl::Status& status);

// ReportUnsupported for RESOURCE_EXHAUSTED, Fail for anything else.
void EndWithStatus(benchmark::State& state, const absl::Status& status);

// Exits the program with a message naming `what` unless `status` is OK: for setup
// that every case needs.
void CheckSetup(const absl::Status& status, const char* what);

// Prints a line about the run (a column left out, say) before the results.
void PrintNote(const std::string& text);

// Runs every registered case, writes the records, and returns main's exit code: 0
// unless a case failed or the records could not be written.
int RunBenchmarks();

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_BENCH_MAIN_H_
