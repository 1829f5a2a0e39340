// worker_threads.h: a fixed set of threads that run the same function together, again
// and again: the callers of the scaling cases. The threads live as long as the object,
// so a measured run pays no thread creation.
//   WorkerThreads callers(16, [&](int index) { return MakeCalls(index, 256); });
//   absl::Status status = callers.RunOnce();  // all 16 at once; waits for every one
#ifndef FORKRPC_BENCH_WORKER_THREADS_H_
#define FORKRPC_BENCH_WORKER_THREADS_H_

#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace forkrpc_bench {

// RunOnce and the destructor belong to one thread.
class WorkerThreads {
 public:
  // Starts `count` threads; `work` is called with each thread's index on every run.
  WorkerThreads(int count, std::function<absl::Status(int index)> work);
  // Stops and joins the threads.
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Runs `work` on every thread at once and waits for all; the first error, if any.
  absl::Status RunOnce();

 private:
  void Loop(int index);

  std::function<absl::Status(int)> work_;
  absl::Mutex mu_;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped to start a run
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_WORKER_THREADS_H_
