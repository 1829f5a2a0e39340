#include "bench/process_memory.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace forkrpc_bench {

absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid) {
  std::string path = absl::StrCat("/proc/", pid, "/smaps_rollup");
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  ProcessMemory memory;
  std::string line;
  while (std::getline(file, line)) {
    // "Private_Dirty:       123 kB"
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    int64_t kib = 0;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[1], &kib)) continue;
    if (fields[0] == "Anonymous:") memory.anonymous_kib = kib;
    if (fields[0] == "Private_Clean:" || fields[0] == "Private_Dirty:") memory.uss_kib += kib;
  }
  return memory;
}

}  // namespace forkrpc_bench
