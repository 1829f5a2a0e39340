// client_context.h: the settings and results of one call on the client side, as in
// gRPC: its deadline, the metadata it sends and the metadata the server answered with,
// the descriptors it sends and receives, and the way to cancel it from any thread.
//   forkrpc::ClientContext context;
//   context.set_timeout(absl::Seconds(2));
//   context.AddMetadata("request-id", "42");
//   absl::Status status = stub.Add(context, request, &reply);
//   auto& trailers = context.GetServerTrailingMetadata();
#ifndef FORKRPC_CLIENT_CONTEXT_H_
#define FORKRPC_CLIENT_CONTEXT_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "forkrpc/metadata.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {
namespace internal {
struct ClientContextAccess;
}  // namespace internal

// What a channel attaches to a context when its call starts, so that TryCancel can
// reach the call from any thread; cancelling a call that has ended does nothing.
class CallCanceller {
 public:
  virtual ~CallCanceller() = default;
  virtual void Cancel() = 0;
};

// One per call: a second call with the same context fails with FAILED_PRECONDITION.
// The setters are for before the call starts. TryCancel may be called from any thread
// at any time; the rest is thread-compatible.
class ClientContext {
 public:
  ClientContext() = default;
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;
  ~ClientContext() = default;

  // The call fails with DEADLINE_EXCEEDED if it has not ended by `deadline`. Without
  // a deadline or timeout the channel's default_timeout applies, if it has one.
  void set_deadline(absl::Time deadline) {
    deadline_ = deadline;
    timeout_.reset();
  }
  // A deadline `timeout` after the call starts (fixed when it starts).
  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }

  // Sends `key: value` with the call. A malformed or reserved key (metadata.h) fails
  // the call at its start with INVALID_ARGUMENT naming the key.
  void AddMetadata(std::string key, std::string value) {
    metadata_.emplace(std::move(key), std::move(value));
  }

  // Attaches an open descriptor to the request of a unary or server-streaming call; the
  // server receives the descriptors in the order attached (ServerContext::TakeRequestFds).
  // Client-streaming and bidi calls take descriptors with each Write instead: attached
  // here, they fail the call with INVALID_ARGUMENT.
  void AttachFd(UniqueFd fd) { request_fds_.push_back(std::move(fd)); }

  // Cancels the call: the client gets CANCELLED at once unless the call already ended,
  // and the server sees ServerContext::IsCancelled(). Before the call starts, the call
  // will fail with CANCELLED when it does.
  void TryCancel();

  // The server's metadata, once the call has ended (for streams, once Finish returned).
  const Metadata& GetServerInitialMetadata() const { return server_initial_metadata_; }
  const Metadata& GetServerTrailingMetadata() const { return server_trailing_metadata_; }

  // The descriptors that came with a unary or client-streaming call's response, in order;
  // the caller owns them. Empty before the call ends.
  std::vector<UniqueFd> TakeResponseFds() { return std::move(response_fds_); }

 private:
  friend struct internal::ClientContextAccess;

  absl::Time deadline_ = absl::InfiniteFuture();
  std::optional<absl::Duration> timeout_;
  Metadata metadata_;
  std::vector<UniqueFd> request_fds_;
  Metadata server_initial_metadata_;
  Metadata server_trailing_metadata_;
  std::vector<UniqueFd> response_fds_;
  bool started_ = false;

  // Whether TryCancel came and whether a call is bound, for TryCancel from any thread
  // without a lock: binding and cancelling each take one atomic step, and only the
  // step that sees the other's reaches `canceller_`.
  enum CancelState : int { kOpen, kBound, kCancelled };
  std::atomic<int> cancel_state_{kOpen};
  // Written only before the call is bound; read by TryCancel only after.
  std::shared_ptr<CallCanceller> canceller_;
};

}  // namespace forkrpc

#endif  // FORKRPC_CLIENT_CONTEXT_H_
