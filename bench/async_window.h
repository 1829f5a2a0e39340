// async_window.h: keeps a window of async Unary echo calls in flight on one stub, each
// completion starting the next call on its slot, until a run's calls are done. The
// 64-in-flight benchmark drives forkrpc with it, and call_cost counts what it costs.
//   forkrpc_bench::AsyncWindow window(stub, request, 64);
//   absl::Status status = window.Run(100000);
#ifndef FORKRPC_BENCH_ASYNC_WINDOW_H_
#define FORKRPC_BENCH_ASYNC_WINDOW_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "bench/echo_service.h"

namespace forkrpc_bench {

// `stub` and `request` outlive it. Run belongs to one thread; completions arrive on the
// runtime's.
class AsyncWindow {
 public:
  AsyncWindow(frpc::Echo::Stub& stub, const Msg& request, int window)
      : stub_(stub), request_(request), slots_(window) {}

  // Makes `calls` calls; the first error, if any.
  absl::Status Run(int64_t calls);

 private:
  struct Slot {
    std::unique_ptr<forkrpc::ClientContext> context;
    Msg reply;
  };

  void Start(Slot& slot);
  // Runs on a runtime thread; starting the next call there does not block.
  void Done(Slot& slot, absl::Status status);

  frpc::Echo::Stub& stub_;
  const Msg& request_;
  std::vector<Slot> slots_;
  absl::Mutex mu_;
  int64_t total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_ASYNC_WINDOW_H_
