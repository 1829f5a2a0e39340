#include "bench/bench_main.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "bench/record_reporter.h"

namespace forkrpc_bench {
namespace {

// Minimum seconds per case in each mode, before a case's weight.
constexpr double kFullMinSeconds = 1.0;
constexpr double kQuickMinSeconds = 0.15;

// A full run measures each timed case in rounds that share its time, interleaved at
// random with the rounds of every other case of the program, and records each metric's
// median over the rounds. This machine's neighbours come and go: a noisy minute then
// lands on a round or two of every implementation, not on the whole of one
// implementation's measurement while its floor ran in a quiet one.
constexpr int kFullRounds = 5;

RunMode g_mode = RunMode::kFull;
std::string g_records_path;
bool g_failed = false;

std::map<std::string, CaseInfo>& Cases() {
  static auto* cases = new std::map<std::string, CaseInfo>();
  return *cases;
}

[[noreturn]] void Usage(const char* program, const char* bad_flag) {
  std::fprintf(stderr,
               "%s: unknown flag %s\n"
               "usage: %s [--quick | --smoke] [--records=FILE] [--deadlock-detection]\n"
               "          [--benchmark_* flags]\n",
               program, bad_flag, program);
  std::exit(2);
}

}  // namespace

RunMode Mode() { return g_mode; }

int64_t PerIteration(int64_t full, int64_t smoke) {
  return g_mode == RunMode::kSmoke ? smoke : full;
}

void InitBenchmarks(int* argc, char** argv) {
  // Debian's Abseil is built with absl::Mutex deadlock detection on, a debugging aid that
  // a release build of Abseil leaves off; it costs every lock a lookup in a global graph.
  // Turned off here, as a deployment would, for every implementation alike (gRPC's
  // locks are Abseil's too); --deadlock-detection keeps Debian's default.
  bool deadlock_detection = false;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--deadlock-detection") {
      deadlock_detection = true;
    } else if (arg == "--quick") {
      g_mode = RunMode::kQuick;
    } else if (arg == "--smoke") {
      g_mode = RunMode::kSmoke;
    } else if (absl::ConsumePrefix(&arg, "--records=")) {
      g_records_path = std::string(arg);
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  if (!deadlock_detection) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  // A full run interleaves its rounds (kFullRounds) unless the command line says
  // otherwise: the flag goes before the others, so a later one overrides it.
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  std::vector<char*> args(argv, argv + *argc);
  if (g_mode == RunMode::kFull) args.insert(args.begin() + 1, interleave);
  int arg_count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&arg_count, args.data());
  if (arg_count > 1) Usage(argv[0], args[1]);
  *argc = 1;
}

benchmark::internal::Benchmark* AddCase(const std::string& case_name, const std::string& impl,
                                        std::vector<std::string> metrics, CaseFunction function,
                                        double weight, const std::string& variant) {
  std::string name = absl::StrCat(case_name, "/", impl, variant.empty() ? "" : "/", variant);
  Cases()[name] = CaseInfo{case_name, impl, std::move(metrics)};
  benchmark::internal::Benchmark* bench =
      benchmark::RegisterBenchmark(name.c_str(), std::move(function));
  bench->UseRealTime()->Unit(benchmark::kMicrosecond);
  if (weight == 0) return bench->Iterations(1);
  switch (g_mode) {
    case RunMode::kSmoke:
      bench->Iterations(1);
      break;
    case RunMode::kQuick:
      bench->MinTime(kQuickMinSeconds * weight);
      break;
    case RunMode::kFull:
      bench->MinTime(kFullMinSeconds * weight / kFullRounds)->Repetitions(kFullRounds);
      break;
  }
  return bench;
}

std::vector<std::string> WithSuffix(std::vector<std::string> metrics, const std::string& suffix) {
  for (std::string& metric : metrics) metric += suffix;
  return metrics;
}

void Fail(benchmark::State& state, const absl::Status& status) {
  g_failed = true;
  state.SkipWithError(status.ToString().c_str());
}

void ReportUnsupported(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(
      absl::StrCat("n/a (", absl::StatusCodeToString(status.code()), "): ", status.message())
          .c_str());
}

void EndWithStatus(benchmark::State& state, const absl::Status& status) {
  if (absl::IsResourceExhausted(status)) {
    ReportUnsupported(state, status);
  } else {
    Fail(state, status);
  }
}

void CheckSetup(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

void PrintNote(const std::string& text) { std::fprintf(stderr, "note: %s\n", text.c_str()); }

int RunBenchmarks() {
  RecordReporter reporter(Cases());
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  int exit_code = g_failed ? 1 : 0;
  if (!g_records_path.empty()) {
    absl::Status written = reporter.WriteJson(g_records_path);
    if (!written.ok()) {
      std::fprintf(stderr, "records: %s\n", written.ToString().c_str());
      exit_code = 1;
    }
  }
  if (g_failed) std::fprintf(stderr, "some cases failed; see ERROR OCCURRED above\n");
  return exit_code;
}

}  // namespace forkrpc_bench
