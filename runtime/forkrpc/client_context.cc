#include "forkrpc/client_context.h"

namespace forkrpc {

void ClientContext::TryCancel() {
  std::shared_ptr<CallCanceller> canceller;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    canceller = canceller_;
  }
  // Outside the lock: cancelling finishes the call, which may run a callback.
  if (canceller != nullptr) canceller->Cancel();
}

}  // namespace forkrpc
