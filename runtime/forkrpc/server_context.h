// server_context.h: what a handler knows of the call it serves and can add to the
// answer: the deadline and cancellation, the client's metadata and credentials, the
// metadata it sends back, and descriptors in both directions.
//   absl::Status Add(forkrpc::ServerContext& context, const AddRequest& request,
//                    AddReply* reply) override {
//     if (context.IsCancelled()) return absl::CancelledError("client gave up");
//     context.AddTrailingMetadata("cost", "1");
//     ...
#ifndef FORKRPC_SERVER_CONTEXT_H_
#define FORKRPC_SERVER_CONTEXT_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "forkrpc/metadata.h"
#include "forkrpc/peer_credentials.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {
namespace internal {
struct ServerContextAccess;
}  // namespace internal

// Made by the server for each call and lent to its handler until the handler returns.
// IsCancelled may be called from any thread; the rest belongs to the handler's thread.
class ServerContext {
 public:
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The "/package.Service/Method" being served.
  absl::string_view method() const { return method_; }

  // When the client stops waiting; InfiniteFuture if it set no deadline.
  absl::Time deadline() const { return deadline_; }

  // True once the client cancelled, the deadline passed, the client went away or the
  // server is shutting the call down. A cancelled call's answer is not sent.
  bool IsCancelled() const {
    return cancelled_.load(std::memory_order_acquire) ||
           (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_);
  }

  const Metadata& client_metadata() const { return client_metadata_; }
  const PeerCredentials& peer_credentials() const { return peer_credentials_; }

  // Metadata sent before the first response message (or with the status, if none).
  // Added after the first message is sent, it is ignored. A malformed or reserved key
  // fails the call with INTERNAL naming the key.
  void AddInitialMetadata(std::string key, std::string value) {
    initial_metadata_.emplace(std::move(key), std::move(value));
  }
  // Metadata sent with the status.
  void AddTrailingMetadata(std::string key, std::string value) {
    trailing_metadata_.emplace(std::move(key), std::move(value));
  }

  // The descriptors that came with the request of a unary or server-streaming call,
  // in order; the handler owns them.
  std::vector<UniqueFd> TakeRequestFds() { return std::move(request_fds_); }
  // Attaches a descriptor to the response of a unary or client-streaming call; it goes
  // only with an OK status. Server-streaming and bidi handlers pass descriptors to Write.
  void AttachFd(UniqueFd fd) { response_fds_.push_back(std::move(fd)); }

 private:
  friend struct internal::ServerContextAccess;
  ServerContext() = default;

  absl::string_view method_;  // the method's name constant, which outlives the call
  absl::Time deadline_ = absl::InfiniteFuture();
  std::atomic<bool> cancelled_{false};
  Metadata client_metadata_;
  PeerCredentials peer_credentials_;
  Metadata initial_metadata_;
  Metadata trailing_metadata_;
  std::vector<UniqueFd> request_fds_;
  std::vector<UniqueFd> response_fds_;
};

}  // namespace forkrpc

#endif  // FORKRPC_SERVER_CONTEXT_H_
