// forked_process.h: the bare process handling of the floor and the gRPC column: fork a
// child that keeps only the descriptors it is given, run a function in it, and reap it.
// (forkrpc's own helpers come from forkrpc::Spawn.)
//   absl::StatusOr<pid_t> pid = ForkProcess({fd}, [&] { ServeEcho(fd); });
//   ...
//   absl::Status ended = Reap(*pid);  // OK if the child exited with status 0
#ifndef FORKRPC_BENCH_FORKED_PROCESS_H_
#define FORKRPC_BENCH_FORKED_PROCESS_H_

#include <sys/types.h>

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace forkrpc_bench {

// Forks a child which closes every descriptor but stdin, stdout, stderr and `keep`
// (so it holds no end of another child's socket open), dies with this process
// (PR_SET_PDEATHSIG), runs `body` and _exits with status 0. Returns its pid.
absl::StatusOr<pid_t> ForkProcess(std::vector<int> keep, absl::FunctionRef<void()> body);

// Waits for `pid`; OK if it exited with status 0.
absl::Status Reap(pid_t pid);

// An absl::Status for a failed system call, from errno: "recv: Broken pipe".
absl::Status ErrnoError(const char* call);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_FORKED_PROCESS_H_
