#include "forkrpc/internal/server_session.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "forkrpc/internal/control_codec.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/message_cache.h"
#include "forkrpc/internal/recycling_allocator.h"
#include "forkrpc/internal/server_context_access.h"
#include "forkrpc/internal/socket_io.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {
namespace {

// Why `method` has no route: gRPC's distinction between an unknown service and an
// unknown method, both UNIMPLEMENTED.
absl::Status NoRoute(const std::string& method, const RouteMap& routes) {
  absl::string_view name = method;
  size_t slash = name.rfind('/');
  absl::string_view service =
      slash == absl::string_view::npos || slash == 0 ? name : name.substr(1, slash - 1);
  for (const auto& [full_name, route] : routes) {
    if (route.service->service_name() == service) {
      return absl::UnimplementedError(
          absl::StrCat("unknown method ", method, ": service ", service, " has no such method"));
    }
  }
  return absl::UnimplementedError(
      absl::StrCat("unknown method ", method, ": no service ", service, " is registered"));
}

// The unary call this pool thread has answered and not yet taken out of the table, or
// 0: the thread takes it out in the critical section that starts its next turn
// (PoolThread), which it enters anyway, rather than in one of its own.
thread_local uint32_t t_answered_unary = 0;

}  // namespace

ServerSession::ServerSession(std::unique_ptr<Connection> connection, const RouteMap& routes,
                             int max_threads)
    : connection_(std::move(connection)), routes_(routes), max_threads_(max_threads) {}

ServerSession::~ServerSession() = default;

// --- the thread pool -----------------------------------------------------------------

absl::Status ServerSession::Run(absl::Duration handler_grace) {
  // The calling thread supervises: pool threads serve, so that a handler that never
  // returns cannot keep Run from returning once the session has ended.
  std::vector<std::thread> threads;
  absl::Status result;
  // Set up before the first pool thread, which may meet its first call at once.
  Connection::IdleWait watchdog(*connection_, Connection::IdleWait::Sleeper::kSupervisor);
  {
    absl::MutexLock lock(&connection_->mu());
    supervisor_stands_in_ = watchdog.ready();
    SpawnPoolThread();
  }
  if (watchdog.ready()) StandInForTheSpare(watchdog);
  ended_.WaitForNotification();
  {
    absl::MutexLock lock(&connection_->mu());
    // The pool no longer grows once done_ is set; wait for every thread to leave.
    auto all_left = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
      return live_threads_ == 0;
    };
    if (!connection_->mu().AwaitWithTimeout(absl::Condition(&all_left), handler_grace)) {
      return absl::DeadlineExceededError(absl::StrCat(live_threads_, " handlers still running ",
                                                      absl::FormatDuration(handler_grace),
                                                      " after the session ended"));
    }
    threads.swap(threads_);
    result = end_status_;
  }
  for (std::thread& thread : threads) thread.join();
  return result;
}

void ServerSession::PoolThread() {
  Connection::IdleWait idle(*connection_);
  bool after_watchdog = false;
  bool ran_call = false;  // the last turn ran a call, and still counts as busy
  // Counts this thread busy, in a section the turn takes anyway (every work item of a
  // server is a call: OnCallStart makes them all).
  auto count_busy = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
    ++busy_threads_;
    EnsureReader();
  };
  for (;;) {
    Work work;
    bool watching = false;
    absl::Duration too_soon_by;
    std::shared_ptr<ServerCall> answered;  // let go of after the section
    {
      absl::MutexLock lock(&connection_->mu());
      if (ran_call) {
        if (t_answered_unary != 0) {
          answered = calls_.Remove(t_answered_unary);
          if (answered != nullptr) answered->ended = true;
          t_answered_unary = 0;
        }
        // Only now, its answer sent, may Shutdown (which waits for the running calls)
        // close the connection.
        --busy_threads_;
        --running_calls_;
      }
      ran_call = false;
      if (!work_queue_.empty()) {
        work = std::move(work_queue_.front());
        work_queue_.erase(work_queue_.begin());
        count_busy();
      } else if (done_) {
        return;
      } else {
        // In this section rather than one of Watch's own: one lock per call the less.
        watching = connection_->ClaimWatch(after_watchdog, &too_soon_by);
      }
    }
    answered.reset();
    if (!work) {
      after_watchdog = false;
      if (!watching) {
        // Another thread watches the socket: sleep until the watchdog says it has gone
        // unwatched too long, work is posted, or the session ends.
        if (too_soon_by > absl::ZeroDuration()) connection_->ArmWatchdog(too_soon_by);
        after_watchdog = idle.Wait() == Connection::IdleWait::Reason::kWatchdog;
        continue;
      }
      absl::Status not_admitted;
      uint32_t not_admitted_id = 0;
      auto leave_for_work = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
        AdmitWatchedCall(&not_admitted, &not_admitted_id);
        if (not_admitted.ok()) count_busy();
      };
      connection_->Watch(&work, leave_for_work);
      if (!not_admitted.ok()) {
        // The call never runs: its id is in use (the connection fails) or the server
        // is shutting down (its client hears so).
        work = nullptr;
        if (not_admitted.code() == absl::StatusCode::kUnavailable) {
          Refuse(not_admitted_id, not_admitted);
        } else {
          connection_->Fail(not_admitted, /*say_goodbye=*/true);
        }
        continue;
      }
      if (!work) continue;
    }
    work();
    ran_call = true;
  }
}

void ServerSession::AdmitWatchedCall(absl::Status* failure, uint32_t* id) {
  std::shared_ptr<ServerCall> call = std::move(unadmitted_);
  if (call == nullptr) return;
  *id = call->id();
  if (!calls_.Admit(*id)) {
    *failure = ReusedId(*id);
  } else if (shutting_down_) {
    *failure = absl::UnavailableError("server is shutting down");
  } else {
    calls_.Insert(std::move(call));
    ++running_calls_;
  }
}

void ServerSession::StandInForTheSpare(Connection::IdleWait& watchdog) {
  for (;;) {
    Connection::IdleWait::Reason reason = watchdog.Wait();
    absl::Duration too_soon_by = absl::ZeroDuration();
    {
      absl::MutexLock lock(&connection_->mu());
      if (done_ || !supervisor_stands_in_ || live_threads_ > 1) {
        // A spare exists now, and takes the watchdog from here on.
        supervisor_stands_in_ = false;
        return;
      }
      if (reason != Connection::IdleWait::Reason::kWatchdog) continue;
      if (!connection_->TakeWatchdogExpiry()) continue;
      absl::Duration unwatched = connection_->UnwatchedFor();
      if (unwatched == absl::ZeroDuration() || busy_threads_ < live_threads_) continue;
      if (unwatched < kWatchdogPeriod) {
        // Left unwatched only a moment ago, by a thread about to watch again, maybe.
        too_soon_by = kWatchdogPeriod - unwatched;
      } else if (static_cast<int>(threads_.size()) < max_threads_) {
        // The one thread's call outlasted the period: the socket needs a watcher.
        supervisor_stands_in_ = false;
        SpawnPoolThread();
        return;
      }
    }
    if (too_soon_by > absl::ZeroDuration()) connection_->ArmWatchdog(too_soon_by);
  }
}

void ServerSession::EnsureReader() {
  // A thread not running a call watches the socket or sleeps ready to.
  if (busy_threads_ < live_threads_ || done_) return;
  if (static_cast<int>(threads_.size()) >= max_threads_) return;
  // A pool of one gets its second thread only when it needs one: for queued work, or
  // when the supervisor sees a call outlast the watchdog period. A helper that answers
  // a few short calls never makes it.
  if (supervisor_stands_in_ && live_threads_ == 1 && work_queue_.empty()) return;
  SpawnPoolThread();
}

void ServerSession::SpawnPoolThread() {
  ++live_threads_;
  threads_.emplace_back([this] {
    PoolThread();
    absl::MutexLock lock(&connection_->mu());
    --live_threads_;
  });
}

void ServerSession::Schedule(Work work) {
  {
    absl::MutexLock lock(&connection_->mu());
    work_queue_.push_back(std::move(work));
    EnsureReader();
  }
  connection_->NotifyIdleThread();  // one sleeping thread takes it
}

// --- frames from the client ----------------------------------------------------------

absl::Status ServerSession::OnFrame(const Frame& frame, std::vector<UniqueFd>&& fds,
                                    Work* work) {
  switch (frame.header.type) {
    case FrameType::kCallStart:
      return OnCallStart(frame, std::move(fds), work);
    case FrameType::kMessage: {
      std::shared_ptr<ServerCall> call;
      {
        absl::MutexLock lock(&connection_->mu());
        absl::StatusOr<std::shared_ptr<ServerCall>> found = FindCall(frame);
        if (!found.ok() || *found == nullptr) return found.status();
        call = *std::move(found);
        if (!frame.refused.ok()) {
          // A request refused on arrival fails its call; the client hears why.
          call->ended = true;
          ServerContextAccess::Cancel(call->context());
        }
      }
      if (!frame.refused.ok()) {
        Refuse(call->id(),
               Annotate(frame.refused, absl::StrCat("request of ", call->context().method())));
        return absl::OkStatus();
      }
      return connection_->DeliverMessage(*call, frame, std::move(fds));
    }
    case FrameType::kHalfClose:
    case FrameType::kCancel: {
      absl::MutexLock lock(&connection_->mu());
      // A CANCEL sent from the queue of control frames may overtake its CALL_START.
      if (frame.header.type == FrameType::kCancel && calls_.Find(frame.header.call_id) == nullptr) {
        return absl::OkStatus();
      }
      absl::StatusOr<std::shared_ptr<ServerCall>> found = FindCall(frame);
      if (!found.ok() || *found == nullptr) return found.status();
      ServerCall& call = **found;
      if (frame.header.type == FrameType::kHalfClose) {
        call.inbound_closed = true;
      } else {
        call.ended = true;
        ServerContextAccess::Cancel(call.context());
      }
      return absl::OkStatus();
    }
    case FrameType::kCredit: {
      wire::Credit credit;
      if (!credit.ParseFromArray(frame.control.data(), static_cast<int>(frame.control.size()))) {
        return ProtocolError("CREDIT control section does not parse");
      }
      absl::MutexLock lock(&connection_->mu());
      absl::StatusOr<std::shared_ptr<ServerCall>> found = FindCall(frame);
      if (!found.ok() || *found == nullptr) return found.status();
      return (*found)->send_credit.Grant(credit.bytes());
    }
    default:
      return ProtocolError(
          absl::StrCat("client sent a ", FrameTypeName(frame.header.type), " frame"));
  }
}

absl::StatusOr<std::shared_ptr<ServerCall>> ServerSession::FindCall(const Frame& frame) {
  absl::StatusOr<std::shared_ptr<ServerCall>> call = calls_.FindFor(frame.header);
  if (call.ok() && *call != nullptr && frame.header.type == FrameType::kMessage &&
      !(*call)->streaming()) {
    return ProtocolError(absl::StrCat("MESSAGE frame on unary call ", frame.header.call_id));
  }
  return call;
}

absl::Status ServerSession::OnCallStart(const Frame& frame, std::vector<UniqueFd>&& fds,
                                        Work* work) {
  uint32_t id = frame.header.call_id;
  const wire::CallStart& start = last_start_;
  if (frame.control != last_start_bytes_) {
    last_start_bytes_.clear();
    last_route_ = nullptr;
    // Proto3 has no required fields, so the partial parse checks all there is to check.
    if (!last_start_.ParsePartialFromArray(frame.control.data(),
                                           static_cast<int>(frame.control.size()))) {
      return ProtocolError("CALL_START control section does not parse");
    }
    last_start_bytes_.assign(frame.control.data(), frame.control.size());
    auto found = routes_.find(start.method());
    if (found != routes_.end()) last_route_ = &found->second;
  }
  if (start.timeout_nanos() < 0) {
    return ProtocolError(absl::StrCat("CALL_START with negative timeout ", start.timeout_nanos()));
  }
  Metadata metadata;
  absl::Status status;
  if (start.metadata_size() > 0) {
    status = DecodeMetadata(start.metadata(), &metadata);
    if (!status.ok()) return status;
  }
  const Route* route = last_route_;
  if (route == nullptr) return AdmitAndRefuse(id, NoRoute(start.method(), routes_));
  if (!frame.refused.ok()) {
    return AdmitAndRefuse(id,
                          Annotate(frame.refused, absl::StrCat("request of ", start.method())));
  }
  const MethodHandler& handler = *route->handler;
  RpcKind kind = handler.method().kind;
  bool single_request = kind == RpcKind::kUnary || kind == RpcKind::kServerStreaming;
  if (single_request && (!frame.has_message || !frame.header.has(kFlagEndOfStream))) {
    return ProtocolError(absl::StrCat("CALL_START of ", RpcKindName(kind), " call ", start.method(),
                                      " lacks its request"));
  }
  absl::Time deadline = start.timeout_nanos() > 0
                            ? absl::Now() + absl::Nanoseconds(start.timeout_nanos())
                            : absl::InfiniteFuture();
  auto call = std::allocate_shared<ServerCall>(RecyclingAllocator<ServerCall>(), id, handler,
                                               *route->service, *this, *connection_);
  ServerContextAccess::Fill(call->context(), handler.method().full_name, deadline,
                            std::move(metadata), connection_->peer_credentials_for_reader(),
                            single_request ? std::move(fds) : std::vector<UniqueFd>());
  if (single_request) {
    std::unique_ptr<google::protobuf::MessageLite> request =
        TakeMessage(handler, MessageRole::kRequest);
    if (!request->ParseFromArray(frame.message.data(), static_cast<int>(frame.message.size()))) {
      return AdmitAndRefuse(
          id, absl::InternalError(absl::StrCat("request of ", start.method(), " does not parse")));
    }
    call->set_request(std::move(request));
    call->inbound_closed = true;  // not shared yet: no lock needed
    if (connection_->dispatching_for_watch()) {
      // The watching thread admits it in the section in which it leaves the socket to
      // run it: one section per call fewer. No other frame is read before that.
      unadmitted_ = call;
      *work = [call = std::move(call)] { call->Run(); };
      return absl::OkStatus();
    }
  }
  bool shutting_down;
  {
    // Admitted in the critical section that inserts the call: one lock per call start.
    absl::MutexLock lock(&connection_->mu());
    if (!calls_.Admit(id)) return ReusedId(id);
    shutting_down = shutting_down_;
    if (!shutting_down) {
      calls_.Insert(call);
      ++running_calls_;
    }
  }
  if (shutting_down) {
    Refuse(id, absl::UnavailableError("server is shutting down"));
    return absl::OkStatus();
  }
  if (!single_request && frame.has_message) {
    status = connection_->DeliverMessage(*call, frame, std::move(fds));
    if (!status.ok()) return status;
  } else if (!single_request && frame.header.has(kFlagEndOfStream)) {
    absl::MutexLock lock(&connection_->mu());
    call->inbound_closed = true;
  }
  // Moved, not copied: handing the call over changes no reference count.
  *work = [call = std::move(call)] { call->Run(); };
  return absl::OkStatus();
}

absl::Status ServerSession::AdmitAndRefuse(uint32_t id, const absl::Status& status) {
  {
    absl::MutexLock lock(&connection_->mu());
    if (!calls_.Admit(id)) return ReusedId(id);
  }
  Refuse(id, status);
  return absl::OkStatus();
}

absl::Status ServerSession::ReusedId(uint32_t id) {
  return ProtocolError(absl::StrCat("CALL_START reuses call id ", id, ", still in flight"));
}

void ServerSession::Refuse(uint32_t id, const absl::Status& status) {
  wire::CallStatus proto;
  EncodeStatus(status, &proto);
  connection_->SendControl(FrameType::kStatus, id, &proto);
}

void ServerSession::OnGoodbye(absl::string_view reason) {
  connection_->Fail(absl::UnavailableError(absl::StrCat("client closed the channel: ", reason)));
}

void ServerSession::FailCalls(const absl::Status& status) {
  // The peer leaving, or our own shutdown, ends serving normally; a broken protocol
  // is the session's result.
  if (status.code() == absl::StatusCode::kInternal) end_status_ = status;
  done_ = true;
  // Fail wakes the watcher and every sleeping pool thread after this returns.
  if (!ended_.HasBeenNotified()) ended_.Notify();
  for (std::shared_ptr<ServerCall>& state : calls_.TakeAll()) {
    ServerCall& call = *state;
    call.ended = true;
    ServerContextAccess::Cancel(call.context());
  }
}

// --- the end of calls and of the session ---------------------------------------------

void ServerSession::FinishCall(ServerCall& call, absl::Status status,
                               const google::protobuf::MessageLite* response) {
  if (!call.streaming()) {
    // A unary call has no stream left for a frame to reach: it is answered first, and
    // leaves the table in the section that starts its pool thread's next turn. A CANCEL
    // or a Shutdown that came first cancelled its context, and then no answer goes; one
    // that comes meanwhile meets a call already answered, whose client keeps the first
    // STATUS it reads and drops a second.
    if (!call.context().IsCancelled()) Answer(call, std::move(status), response);
    t_answered_unary = call.id();
    return;
  }
  bool answer;
  {
    absl::MutexLock lock(&connection_->mu());
    calls_.Remove(call.id());
    answer = !call.ended;
    call.ended = true;
  }
  // A cancelled call's client has stopped listening: its answer is not sent. The pool
  // thread counts the call as no longer running when it returns (PoolThread).
  if (answer && !call.context().IsCancelled()) Answer(call, std::move(status), response);
}

void ServerSession::Answer(ServerCall& call, absl::Status status,
                           const google::protobuf::MessageLite* response) {
  ServerContext& context = call.context();
  std::vector<UniqueFd>& fds = ServerContextAccess::response_fds(context);
  if (status.ok() && fds.empty() && ServerContextAccess::trailing_metadata(context).empty() &&
      (call.headers_sent() || ServerContextAccess::initial_metadata(context).empty())) {
    // An OK status with no metadata is an empty control section: nothing to encode.
    AnswerPlainly(call, response);
    return;
  }
  wire::CallStatus proto;
  absl::Status metadata = absl::OkStatus();
  if (!call.headers_sent()) {
    metadata = EncodeMetadata(ServerContextAccess::initial_metadata(context),
                              proto.mutable_initial_metadata());
  }
  if (metadata.ok()) {
    metadata = EncodeMetadata(ServerContextAccess::trailing_metadata(context),
                              proto.mutable_trailing_metadata());
  }
  if (!metadata.ok()) {
    proto.Clear();
    status = absl::InternalError(absl::StrCat("server ", metadata.message()));
  }
  EncodeStatus(status, &proto);
  // A failed call's descriptors stay here, and close with the context.
  std::vector<int> raw;
  if (status.ok()) raw = FdNumbers(fds);
  OutgoingFrame frame;
  frame.type = FrameType::kStatus;
  frame.call_id = call.id();
  frame.control = &proto;
  frame.message = status.ok() ? response : nullptr;
  frame.fds = raw;
  absl::Status sent = connection_->Send(frame, context.deadline());
  fds.clear();
  if (!sent.ok() && sent.code() == absl::StatusCode::kResourceExhausted) {
    // The response could not be sent; the client learns why instead.
    wire::CallStatus refusal;
    EncodeStatus(absl::ResourceExhaustedError(
                     absl::StrCat("response of ", context.method(), ": ", sent.message())),
                 &refusal);
    frame.control = &refusal;
    frame.message = nullptr;
    frame.fds = {};
    connection_->Send(frame, context.deadline()).IgnoreError();
  }
}

void ServerSession::AnswerPlainly(ServerCall& call, const google::protobuf::MessageLite* response) {
  const ServerContext& context = call.context();
  OutgoingFrame frame;
  frame.type = FrameType::kStatus;
  frame.call_id = call.id();
  frame.message = response;
  absl::Status sent = connection_->Send(frame, context.deadline());
  if (!sent.ok() && sent.code() == absl::StatusCode::kResourceExhausted) {
    // The response could not be sent; the client learns why instead.
    Answer(call, absl::ResourceExhaustedError(
                     absl::StrCat("response of ", context.method(), ": ", sent.message())),
           nullptr);
  }
}

void ServerSession::Shutdown(absl::Time deadline) {
  {
    absl::MutexLock lock(&connection_->mu());
    shutting_down_ = true;
  }
  wire::Goodbye goodbye;
  goodbye.set_reason("server shutting down");
  connection_->SendControl(FrameType::kGoodbye, 0, &goodbye);
  std::vector<uint32_t> cancelled;
  {
    absl::MutexLock lock(&connection_->mu());
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
      return running_calls_ == 0 || done_;
    };
    connection_->mu().AwaitWithDeadline(absl::Condition(&drained), deadline);
    for (std::shared_ptr<ServerCall>& state : calls_.TakeAll()) {
      ServerCall& call = *state;
      if (call.ended) continue;
      call.ended = true;
      ServerContextAccess::Cancel(call.context());
      cancelled.push_back(call.id());
    }
  }
  for (uint32_t id : cancelled) {
    Refuse(id, absl::UnavailableError("server shut down before the call finished"));
  }
  connection_->Fail(absl::UnavailableError("server shut down"));
}

}  // namespace forkrpc::internal
