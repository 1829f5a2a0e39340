// process_memory.h: how much memory a process holds, from /proc/PID/smaps_rollup
// (proc(5)). USS, its unique memory, is what it alone keeps resident: the pages it
// shares with no other process (Private_Clean + Private_Dirty). It counts library pages
// too, which turn shared whenever another process on the machine maps the same
// library, so growth (a leak) is read from the anonymous memory instead: heap, stacks
// and other mappings backed by no file, shared with a forked child or not.
#ifndef FORKRPC_BENCH_PROCESS_MEMORY_H_
#define FORKRPC_BENCH_PROCESS_MEMORY_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace forkrpc_bench {

struct ProcessMemory {
  int64_t uss_kib = 0;
  int64_t anonymous_kib = 0;
};

// The memory of process `pid` now.
absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_PROCESS_MEMORY_H_
