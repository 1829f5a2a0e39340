// record_reporter.h: turns Google Benchmark's results into the records bench/run.sh
// collects. Each counter of each case becomes one record,
//   {"case": "unary_16B", "impl": "floor", "metric": "p50_us", "value": 7.9, "unit": "us"},
// and a case that ended early gives each of its metrics with "value": null and a
// "note" saying why. A case run in rounds (a full run's repetitions) gives the median of
// each counter over its rounds. The console shows the usual table meanwhile.
#ifndef FORKRPC_BENCH_RECORD_REPORTER_H_
#define FORKRPC_BENCH_RECORD_REPORTER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"

namespace forkrpc_bench {

// What one registered benchmark measures.
struct CaseInfo {
  std::string case_name;
  std::string impl;
  std::vector<std::string> metrics;
};

// The unit of a metric, read from its name: "p50_us" and "p50_us_cross" are in "us",
// "calls_per_s" in "calls/s", "gb_per_s_stream" in "GB/s", "uss_kib" and
// "parent_rss_growth_kib_per_100_channels" in "KiB".
std::string UnitOf(absl::string_view metric);

// Used on the thread that runs the benchmarks.
class RecordReporter : public benchmark::ConsoleReporter {
 public:
  // `cases` maps each benchmark's registered name ("unary_16B/floor") to what it
  // measures, and outlives the reporter.
  explicit RecordReporter(const std::map<std::string, CaseInfo>& cases) : cases_(cases) {}

  void ReportRuns(const std::vector<Run>& runs) override;

  // Writes every record so far to `path` as a JSON array.
  absl::Status WriteJson(const std::string& path) const;

 private:
  struct Record {
    std::string case_name;
    std::string impl;
    std::string metric;
    std::optional<double> value;  // none when the case could not run
    std::string note;
  };

  const std::map<std::string, CaseInfo>& cases_;
  std::vector<Record> records_;
  // Cases measured in rounds that have recorded a failed round.
  std::set<std::string> failed_;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_RECORD_REPORTER_H_
