// server_session.h: a Server serving one connection. It turns CALL_START frames into
// ServerCalls, routes the client's later frames to them, and runs handlers on a pool
// of threads that grows on demand up to ServerOptions::max_threads. One idle pool thread
// watches the socket (Connection::Watch); the one that reads a new call runs its
// handler itself and watches again after it, so a call costs no thread hop and no
// wake-up beyond its packet's. The others sleep (Connection::IdleWait) until the
// watchdog says the socket has gone unwatched too long, so a slow handler holds up the
// reading of other calls for at most kWatchdogPeriod.
#ifndef FORKRPC_INTERNAL_SERVER_SESSION_H_
#define FORKRPC_INTERNAL_SERVER_SESSION_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "forkrpc/internal/call_table.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/internal/server_call.h"
#include "forkrpc/service.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {

// A registered method and the service that implements it.
struct Route {
  const MethodHandler* handler = nullptr;
  Service* service = nullptr;
};
using RouteMap = absl::flat_hash_map<std::string, Route>;

// The routes of a Server, by full method name.
struct RouteTable {
  RouteMap routes;
};

// Thread-safe.
class ServerSession final : public Connection::Handler {
 public:
  // `routes` must outlive the session.
  ServerSession(std::unique_ptr<Connection> connection, const RouteMap& routes, int max_threads);
  ~ServerSession() override;

  // Serves on the calling thread and the pool until the peer closes, Shutdown ends the
  // session, or the peer breaks the protocol; then gives the handlers still running
  // `handler_grace` to return (they see IsCancelled). OK unless the protocol was broken;
  // DEADLINE_EXCEEDED if handlers outlived the grace, in which case their threads still
  // use the session and it must not be destroyed (a helper _exits instead).
  absl::Status Run(absl::Duration handler_grace = absl::InfiniteDuration());

  // Stops taking calls, waits until `deadline` for the running ones, then cancels those
  // left (their clients get UNAVAILABLE) and closes the connection.
  void Shutdown(absl::Time deadline);

  // Sends the status (and the response, if any) of `call` unless it was cancelled, and
  // forgets the call: a unary one when its pool thread starts its next turn. Pool
  // thread.
  void FinishCall(ServerCall& call, absl::Status status,
                  const google::protobuf::MessageLite* response);

  absl::Status OnFrame(const Frame& frame, std::vector<UniqueFd>&& fds, Work* work) override;
  void OnGoodbye(absl::string_view reason) override;
  void FailCalls(const absl::Status& status) override;
  void Schedule(Work work) override;

 private:
  absl::Status OnCallStart(const Frame& frame, std::vector<UniqueFd>&& fds, Work* work);
  // Answers call `id` with `status` at once, from the reading thread.
  void Refuse(uint32_t id, const absl::Status& status);
  // Admits call `id` (see CallTable::Admit), then refuses it with `status`; a protocol
  // error when the id is in use.
  absl::Status AdmitAndRefuse(uint32_t id, const absl::Status& status);
  static absl::Status ReusedId(uint32_t id);
  // Sends the STATUS frame that ends `call`, with `response` when `status` is OK.
  void Answer(ServerCall& call, absl::Status status, const google::protobuf::MessageLite* response);
  // Answer for an OK status with no metadata and no descriptors: no control section.
  void AnswerPlainly(ServerCall& call, const google::protobuf::MessageLite* response);
  // The call `frame` is for, or null when it ended already; an error for an unused id.
  absl::StatusOr<std::shared_ptr<ServerCall>> FindCall(const Frame& frame)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  void PoolThread();
  // In the section in which a watching pool thread leaves the socket to run a call
  // whose CALL_START it read: admits unadmitted_ (see CallTable::Admit). When its id is
  // in use (a protocol error) or the server is shutting down (UNAVAILABLE), leaves it
  // out and says why in `failure`, with its id in `id`.
  void AdmitWatchedCall(absl::Status* failure, uint32_t* id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  // Makes sure a thread not running a call exists, to watch the socket or take over.
  void EnsureReader() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  // The supervisor, while the pool has one thread: sleeps on the watchdog in the place
  // of an idle second thread, and makes that thread when the one thread's call leaves
  // the socket unwatched for a whole period. Returns once a second thread exists or
  // the session ends.
  void StandInForTheSpare(Connection::IdleWait& watchdog)
      ABSL_LOCKS_EXCLUDED(connection_->mu());
  void SpawnPoolThread() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());

  const std::unique_ptr<Connection> connection_;
  const RouteMap& routes_;
  const int max_threads_;

  // Used only by the reader (OnCallStart). The last CALL_START's control bytes, their
  // parse, and its route: a client calling one method without metadata or deadline
  // sends the same bytes every time, and equal bytes parse and route equally. The
  // CallStart's strings keep their memory from call to call.
  std::string last_start_bytes_;
  wire::CallStart last_start_;
  const Route* last_route_ = nullptr;

  // A single-request call whose CALL_START a watching pool thread read, left for that
  // thread to admit in the section in which it leaves the socket (AdmitWatchedCall),
  // rather than in a section of its own. Reader-role holder only.
  std::shared_ptr<ServerCall> unadmitted_;

  CallTable<ServerCall> calls_ ABSL_GUARDED_BY(connection_->mu());
  std::vector<Work> work_queue_ ABSL_GUARDED_BY(connection_->mu());
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(connection_->mu());
  // Pool threads running a call.
  int busy_threads_ ABSL_GUARDED_BY(connection_->mu()) = 0;
  // Pool threads that have not yet left PoolThread.
  int live_threads_ ABSL_GUARDED_BY(connection_->mu()) = 0;
  int running_calls_ ABSL_GUARDED_BY(connection_->mu()) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(connection_->mu()) = false;
  bool done_ ABSL_GUARDED_BY(connection_->mu()) = false;
  // The supervisor takes the watchdog for a pool of one (StandInForTheSpare), so the
  // one thread's first call need not wait for a second thread to be made.
  bool supervisor_stands_in_ ABSL_GUARDED_BY(connection_->mu()) = false;
  // Notified with done_ set, for Run's supervisor: a condition on the connection's mutex
  // would be evaluated at every unlock on the hot path.
  absl::Notification ended_;
  absl::Status end_status_ ABSL_GUARDED_BY(connection_->mu());
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SERVER_SESSION_H_
