#include "bench/record_reporter.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace forkrpc_bench {
namespace {

// A JSON string literal holding `text`.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string UnitOf(absl::string_view metric) {
  // A marker counts where a word of the name ends: "_us" in "p50_us" and "p50_us_cross",
  // not in "uss_kib".
  auto has = [metric](absl::string_view marker) {
    for (size_t at = metric.find(marker); at != absl::string_view::npos;
         at = metric.find(marker, at + 1)) {
      size_t end = at + marker.size();
      if (end == metric.size() || metric[end] == '_') return true;
    }
    return false;
  };
  struct Unit {
    const char* marker;
    const char* unit;
  };
  static constexpr Unit kUnits[] = {
      {"_us", "us"},
      {"gb_per_s", "GB/s"},
      {"calls_per_s", "calls/s"},
      {"msgs_per_s", "msgs/s"},
      {"round_trips_per_s", "round trips/s"},
      {"kib", "KiB"},
  };
  for (const Unit& unit : kUnits) {
    if (has(unit.marker)) return unit.unit;
  }
  return "";
}

void RecordReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) {
    const std::string& name = run.run_name.function_name;
    auto info = cases_.find(name);
    if (info == cases_.end()) continue;
    if (run.repetitions > 1) {
      // A case measured in rounds: its records are the median of each metric over the
      // rounds, or the error of its first failed round (a round that fails leaves the
      // others' median meaningless, and no median at all if every round failed).
      if (failed_.count(name) != 0) continue;
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) continue;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      if (run.error_occurred) failed_.insert(name);
    } else if (run.run_type != Run::RT_Iteration) {
      continue;
    }
    const CaseInfo& c = info->second;
    for (const std::string& metric : c.metrics) {
      Record record{c.case_name, c.impl, metric, std::nullopt, ""};
      auto counter = run.counters.find(metric);
      if (run.error_occurred) {
        record.note = run.error_message;
      } else if (counter == run.counters.end() || !std::isfinite(counter->second.value)) {
        record.note = "not measured";
      } else {
        record.value = counter->second.value;
      }
      records_.push_back(std::move(record));
    }
  }
}

absl::Status RecordReporter::WriteJson(const std::string& path) const {
  std::string json = "[\n";
  for (size_t i = 0; i < records_.size(); ++i) {
    const Record& r = records_[i];
    absl::StrAppend(
        &json, "  {\"case\": ", JsonString(r.case_name), ", \"impl\": ", JsonString(r.impl),
        ", \"metric\": ", JsonString(r.metric),
        ", \"value\": ", r.value ? absl::StrFormat("%.6g", *r.value) : std::string("null"),
        ", \"unit\": ", JsonString(UnitOf(r.metric)));
    if (!r.note.empty()) absl::StrAppend(&json, ", \"note\": ", JsonString(r.note));
    absl::StrAppend(&json, i + 1 < records_.size() ? "},\n" : "}\n");
  }
  json += "]\n";
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return absl::UnavailableError(absl::StrCat("open ", path, " failed"));
  bool written = std::fwrite(json.data(), 1, json.size(), file) == json.size();
  if (std::fclose(file) != 0 || !written) {
    return absl::DataLossError(absl::StrCat("write ", path, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace forkrpc_bench
