// server.h: serves registered services over one end of a socketpair, in the helper
// process or anywhere else. Spawn (spawn.h) runs one in each forked helper; anything
// else calls Serve or Start.
//   forkrpc::Server server;
//   server.Register(std::make_unique<CalcImpl>());
//   absl::Status status = server.Serve(std::move(socket));  // until the client closes
#ifndef FORKRPC_SERVER_H_
#define FORKRPC_SERVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "forkrpc/channel.h"
#include "forkrpc/service.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {
namespace internal {
class ServerSession;
struct ServerAccess;
struct RouteTable;
}  // namespace internal

struct ServerOptions {
  // The most threads running handlers at once. The pool starts with one and grows as
  // calls overlap, so one slow handler never holds up the others; the thread that
  // calls Serve only waits for the end. Must be at least 2.
  int max_threads = 64;
  // The largest serialized message this side sends or accepts; at most
  // kMaxMessageSizeLimit.
  int64_t max_message_size = kDefaultMaxMessageSize;
  // As ChannelOptions::memfd_threshold, for what the server sends.
  int64_t memfd_threshold = kNoMemfdThreshold;
  // As ChannelOptions::busy_poll, for a thread waiting for the next request or stream
  // message: a client polling on another CPU sends its next request within microseconds.
  absl::Duration busy_poll = kDefaultBusyPoll;
};

// Thread-safe. Serves one connection at a time.
class Server {
 public:
  explicit Server(ServerOptions options = {});
  // Shuts down at once (running handlers are cancelled) and waits for Start's threads.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a service; `service` must outlive the server. A registration error (the same
  // service twice, a method served twice, registering after serving began) is kept and
  // returned by Serve and Start, and by Spawn for a helper.
  void Register(Service* service);
  void Register(std::unique_ptr<Service> service);

  // Serves the connection on `socket` until the peer closes it or Shutdown is called;
  // OK then. INTERNAL if the peer broke the protocol; the registration error if any.
  absl::Status Serve(UniqueFd socket);

  // Serves on threads of the server's own and returns at once. Wait() gives the result.
  absl::Status Start(UniqueFd socket);
  // Waits until serving started by Start ends and returns what Serve would have.
  absl::Status Wait();

  // Stops taking calls (new ones get UNAVAILABLE), lets running handlers finish until
  // `deadline`, then cancels the rest (their clients get UNAVAILABLE) and closes the
  // connection. Blocks until then; a handler calling it waits for the deadline.
  void Shutdown(absl::Time deadline);
  void Shutdown() { Shutdown(absl::InfiniteFuture()); }

 private:
  friend struct internal::ServerAccess;

  // Serve, with the extras a forked helper's server needs: `parent_pidfd` (may be
  // invalid) lets it notice its parent dying over DGRAM, and handlers still running
  // `handler_grace` after the connection ended are abandoned to the helper's _exit.
  absl::Status ServeConnection(UniqueFd socket, std::string peer_name, UniqueFd parent_pidfd,
                               absl::Duration handler_grace);
  void AddService(Service* service) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ServerOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Service>> owned_services_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<internal::RouteTable> routes_;  // fixed once serving begins
  absl::Status registration_error_ ABSL_GUARDED_BY(mu_);
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<internal::ServerSession> session_ ABSL_GUARDED_BY(mu_);
  std::thread started_;
  absl::Status started_result_;
};

}  // namespace forkrpc

#endif  // FORKRPC_SERVER_H_
