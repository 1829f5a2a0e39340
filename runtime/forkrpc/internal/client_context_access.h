// client_context_access.h: what a Channel implementation reads from and writes into a
// ClientContext, kept off the context's public face.
#ifndef FORKRPC_INTERNAL_CLIENT_CONTEXT_ACCESS_H_
#define FORKRPC_INTERNAL_CLIENT_CONTEXT_ACCESS_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "forkrpc/client_context.h"

namespace forkrpc::internal {

struct ClientContextAccess {
  // Marks `context` used; false if a call already used it.
  static bool MarkStarted(ClientContext& context) {
    if (context.started_) return false;
    context.started_ = true;
    return true;
  }

  // The call's deadline, fixed now: the context's timeout from now, else its deadline,
  // else `default_timeout` from now, else none.
  static absl::Time ResolveDeadline(const ClientContext& context,
                                    const std::optional<absl::Duration>& default_timeout) {
    if (context.timeout_.has_value()) return absl::Now() + *context.timeout_;
    if (context.deadline_ != absl::InfiniteFuture()) return context.deadline_;
    if (default_timeout.has_value()) return absl::Now() + *default_timeout;
    return absl::InfiniteFuture();
  }

  static const Metadata& metadata(const ClientContext& context) { return context.metadata_; }
  static std::vector<UniqueFd>& request_fds(ClientContext& context) { return context.request_fds_; }
  static std::vector<UniqueFd>* response_fds(ClientContext& context) {
    return &context.response_fds_;
  }

  // Lets TryCancel reach the call through `canceller`, until the context is destroyed;
  // false if the context was cancelled already, in which case nothing is bound.
  static bool Bind(ClientContext& context, std::shared_ptr<CallCanceller> canceller) {
    context.canceller_ = std::move(canceller);
    int open = ClientContext::kOpen;
    if (context.cancel_state_.compare_exchange_strong(open, ClientContext::kBound,
                                                      std::memory_order_acq_rel)) {
      return true;
    }
    context.canceller_.reset();  // TryCancel came first, and does not read it
    return false;
  }

  static void SetServerMetadata(ClientContext& context, Metadata initial, Metadata trailing) {
    context.server_initial_metadata_ = std::move(initial);
    context.server_trailing_metadata_ = std::move(trailing);
  }
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CLIENT_CONTEXT_ACCESS_H_
