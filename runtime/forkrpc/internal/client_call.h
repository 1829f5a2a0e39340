// client_call.h: one call at the client's end of a socket channel: the CallState the
// connection shares, plus what only the client keeps (the response target, the status
// and server metadata once it ends, the completion of an async call). It is also what
// a ClientContext's TryCancel reaches.
#ifndef FORKRPC_INTERNAL_CLIENT_CALL_H_
#define FORKRPC_INTERNAL_CLIENT_CALL_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "forkrpc/client_context.h"
#include "forkrpc/internal/call_state.h"
#include "forkrpc/metadata.h"
#include "forkrpc/rpc_method.h"

namespace forkrpc::internal {

class SocketChannel;

// The members beyond CallState's are guarded by the connection's mutex too, but for
// the constants.
class ClientCall final : public CallState, public CallCanceller {
 public:
  ClientCall(uint32_t id, const RpcMethod& method, absl::Time deadline,
             std::weak_ptr<SocketChannel> channel)
      : CallState(id, method.kind != RpcKind::kUnary),
        method(method),
        deadline(deadline),
        channel_(std::move(channel)) {}

  // TryCancel: ends the call with CANCELLED unless it has ended.
  void Cancel() override;

  const RpcMethod& method;
  const absl::Time deadline;

  // Where the response carried by the STATUS frame goes (unary, client streaming).
  MessageTarget response_target;
  // Valid once `ended`.
  absl::Status status;
  Metadata initial_metadata;
  Metadata trailing_metadata;
  bool initial_metadata_received = false;
  // An async call's completion, run on the channel's pump thread, and its context.
  absl::AnyInvocable<void(absl::Status)> done;
  ClientContext* context = nullptr;

 private:
  std::weak_ptr<SocketChannel> channel_;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CLIENT_CALL_H_
