// tool_support.h: what the bench's command-line tools (call_cost, wait_cost) share:
// failing with a message, pinning this process, and reading a --cpus pair.
#ifndef FORKRPC_BENCH_TOOL_SUPPORT_H_
#define FORKRPC_BENCH_TOOL_SUPPORT_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace forkrpc_bench {

// Prints "<program>: <what>" to stderr and exits with status 1.
[[noreturn]] void Die(const std::string& what);

// Pins this process, and the threads it starts from now on, to `cpu`; dies if it cannot.
void PinTo(int cpu);

// "A,B" as two CPU numbers; nullopt unless it is exactly two that a cpu_set_t can hold.
std::optional<std::pair<int, int>> ParseCpuPair(absl::string_view text);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_TOOL_SUPPORT_H_
