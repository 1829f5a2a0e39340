#include "bench/async_window.h"

#include <algorithm>
#include <utility>

namespace forkrpc_bench {

absl::Status AsyncWindow::Run(int64_t calls) {
  int64_t first = std::min<int64_t>(calls, slots_.size());
  {
    absl::MutexLock lock(&mu_);
    total_ = calls;
    started_ = first;
    finished_ = 0;
    error_ = absl::OkStatus();
  }
  for (int64_t i = 0; i < first; ++i) Start(slots_[i]);
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](AsyncWindow* window) { return window->finished_ == window->total_; }, this));
  return error_;
}

void AsyncWindow::Start(Slot& slot) {
  slot.context = std::make_unique<forkrpc::ClientContext>();
  stub_.Unary(*slot.context, request_, &slot.reply,
              [this, &slot](absl::Status status) { Done(slot, std::move(status)); });
}

void AsyncWindow::Done(Slot& slot, absl::Status status) {
  bool again = false;
  {
    absl::MutexLock lock(&mu_);
    ++finished_;
    if (!status.ok() && error_.ok()) error_ = std::move(status);
    again = started_ < total_;
    if (again) ++started_;
  }
  if (again) Start(slot);
}

}  // namespace forkrpc_bench
