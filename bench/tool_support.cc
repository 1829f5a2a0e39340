#include "bench/tool_support.h"

#include <errno.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace forkrpc_bench {

void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof(set), &set) != 0) Die("sched_setaffinity failed");
}

std::optional<std::pair<int, int>> ParseCpuPair(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  int first = -1;
  int second = -1;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &first) ||
      !absl::SimpleAtoi(parts[1], &second) || first < 0 || second < 0 || first >= CPU_SETSIZE ||
      second >= CPU_SETSIZE) {
    return std::nullopt;
  }
  return std::make_pair(first, second);
}

}  // namespace forkrpc_bench
