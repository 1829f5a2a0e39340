#include "bench/worker_threads.h"

#include <utility>

namespace forkrpc_bench {

WorkerThreads::WorkerThreads(int count, std::function<absl::Status(int index)> work)
    : work_(std::move(work)) {
  for (int i = 0; i < count; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

WorkerThreads::~WorkerThreads() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

absl::Status WorkerThreads::RunOnce() {
  absl::MutexLock lock(&mu_);
  error_ = absl::OkStatus();
  running_ = static_cast<int>(threads_.size());
  ++generation_;
  mu_.Await(absl::Condition(
      +[](int* running) { return *running == 0; }, &running_));
  return error_;
}

void WorkerThreads::Loop(int index) {
  int64_t seen = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&] { return stopping_ || generation_ != seen; };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      seen = generation_;
    }
    absl::Status status = work_(index);
    absl::MutexLock lock(&mu_);
    if (!status.ok() && error_.ok()) error_ = std::move(status);
    --running_;
  }
}

}  // namespace forkrpc_bench
