#include "forkrpc/client_context.h"

namespace forkrpc {

void ClientContext::TryCancel() {
  // Only the first TryCancel after the bind reaches the call; a bind after it fails.
  if (cancel_state_.exchange(kCancelled, std::memory_order_acq_rel) != kBound) return;
  // A copy: cancelling finishes the call, which may run a callback that destroys the
  // context.
  std::shared_ptr<CallCanceller> canceller = canceller_;
  canceller->Cancel();
}

}  // namespace forkrpc
