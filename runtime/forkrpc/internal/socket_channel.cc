#include "forkrpc/internal/socket_channel.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "forkrpc/internal/check.h"
#include "forkrpc/internal/client_context_access.h"
#include "forkrpc/internal/client_stream.h"
#include "forkrpc/internal/control_codec.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/recycling_allocator.h"
#include "forkrpc/internal/socket_io.h"

namespace forkrpc::internal {

static_assert(kMaxBusyPoll == BusyPoll::kMaxBudget,
              "ChannelOptions::busy_poll is limited by what the connection accepts");

namespace {

absl::Status DeadlinePassed(const RpcMethod& method) {
  return absl::DeadlineExceededError(
      absl::StrCat("call ", method.full_name, " passed its deadline"));
}

// Set on the pump thread when a completion it ran destroyed the channel, so the pump
// leaves without touching it again.
thread_local bool t_pump_channel_destroyed = false;

// This thread's CallStart, with the last call's method name left in place: its strings
// keep their memory from call to call, so starting a call allocates none. Filled and
// sent before the thread starts another.
// This thread's CallStart, reused from call to call. A thread usually calls one method
// in a loop, with no metadata and no deadline: then the CallStart is the same every
// time, and its bytes are kept too.
struct ThreadCallStart {
  wire::CallStart proto;
  // The literal (which outlives every call) `proto`'s method was set from: while it is
  // the one called, the name is set already, with no compare.
  const char* named = nullptr;
  // `proto` serialized holding nothing but the method; empty until needed.
  std::string bytes;
};
thread_local ThreadCallStart t_call_start;

// This thread's CallStart, cleared but for the method, which it names.
wire::CallStart& ReusableCallStart(const RpcMethod& method) {
  ThreadCallStart& start = t_call_start;
  start.proto.clear_timeout_nanos();
  start.proto.clear_metadata();
  if (start.named != method.full_name) {
    start.proto.set_method(method.full_name);
    start.named = method.full_name;
    start.bytes.clear();
  }
  return start.proto;
}

// The kept bytes of `start` when it is this thread's CallStart and holds nothing but
// the method; else empty, and `start` is serialized as usual.
absl::string_view KeptCallStartBytes(const wire::CallStart& start) {
  ThreadCallStart& kept = t_call_start;
  if (&start != &kept.proto || start.timeout_nanos() != 0 || start.metadata_size() != 0) {
    return absl::string_view();
  }
  if (kept.bytes.empty()) start.SerializeToString(&kept.bytes);
  return kept.bytes;
}

// A response this small is parsed in the critical section that finds its call, saving
// the section that would end the call after parsing outside it; a bigger one is parsed
// with the mutex free, so other calls go on meanwhile.
constexpr size_t kParsedInTheSection = 1024;

// Parses the response `frame` carries into `target`, and hands over its descriptors;
// a response that does not parse fails the call.
void ParseResponse(const ClientCall& call, const Frame& frame, const MessageTarget& target,
                   std::vector<UniqueFd>&& fds, absl::Status* status) {
  if (!target.ParseInto(frame.message, std::move(fds))) {
    *status = absl::InternalError(
        absl::StrCat("response of ", call.method.full_name, " does not parse"));
  }
}

}  // namespace

void ClientCall::Cancel() {
  if (std::shared_ptr<SocketChannel> channel = channel_.lock()) {
    channel->EndLocally(*this, absl::CancelledError("cancelled by the client"),
                        /*tell_server=*/true);
  }
}

absl::StatusOr<std::shared_ptr<SocketChannel>> SocketChannel::Create(
    UniqueFd socket, ChannelOptions options, std::optional<PeerProcess> peer) {
  // A helper's channel says hello only after reading the helper's (AwaitHello).
  bool defer_hello = peer.has_value();
  ConnectionOptions connection_options;
  connection_options.max_message_size = options.max_message_size;
  connection_options.memfd_threshold = options.memfd_threshold;
  connection_options.busy_poll = options.busy_poll;
  connection_options.peer_name = options.peer_name;
  connection_options.peer_process = std::move(peer);
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Create(std::move(socket), std::move(connection_options));
  if (!connection.ok()) return Annotate(connection.status(), "create channel");
  std::shared_ptr<SocketChannel> channel(
      new SocketChannel(*std::move(connection), std::move(options)));
  absl::Status started = channel->connection_->Start(channel.get(), defer_hello);
  if (!started.ok()) return Annotate(started, "create channel");
  return channel;
}

SocketChannel::SocketChannel(std::unique_ptr<Connection> connection, ChannelOptions options)
    : connection_(std::move(connection)), options_(std::move(options)) {}

SocketChannel::~SocketChannel() {
  connection_->Fail(absl::UnavailableError("channel destroyed while the call was in flight"),
                    /*say_goodbye=*/true);
  bool on_pump = false;
  {
    absl::MutexLock lock(&connection_->mu());
    stopping_ = true;
    on_pump = pump_started_ && pump_.get_id() == std::this_thread::get_id();
  }
  connection_->WakeReader();
  if (on_pump) {
    // A completion dropped the last reference. Run the rest here, the pump's thread.
    pump_.detach();
    t_pump_channel_destroyed = true;
    std::vector<Completion> rest;
    {
      absl::MutexLock lock(&connection_->mu());
      rest.swap(completions_);
    }
    RunCompletions(rest);
  } else if (pump_.joinable()) {
    pump_.join();
  }
}

void SocketChannel::Close() {
  connection_->Fail(absl::UnavailableError("channel closed"), /*say_goodbye=*/true);
}

absl::Status SocketChannel::AwaitHello(absl::Time deadline) {
  absl::Status status = connection_->AwaitPeerHello(deadline).status();
  if (!status.ok()) return status;
  return connection_->SendHello();
}

// --- starting and ending calls -------------------------------------------------------

absl::StatusOr<std::shared_ptr<ClientCall>> SocketChannel::StartCall(
    const RpcMethod& method, ClientContext& context, MessageTarget response_target,
    absl::AnyInvocable<void(absl::Status)>* done, wire::CallStart* start, bool* reading) {
  if (!ClientContextAccess::MarkStarted(context)) {
    return absl::FailedPreconditionError(
        absl::StrCat("call ", method.full_name,
                     ": the ClientContext was used for a call already; use one per call"));
  }
  absl::Time deadline = ClientContextAccess::ResolveDeadline(context, options_.default_timeout);
  if (const Metadata& metadata = ClientContextAccess::metadata(context); !metadata.empty()) {
    absl::Status status = EncodeMetadata(metadata, start->mutable_metadata());
    if (!status.ok()) return Annotate(status, absl::StrCat("call ", method.full_name));
  }
  if (deadline != absl::InfiniteFuture() && absl::Now() >= deadline) return DeadlinePassed(method);
  if (!ClientContextAccess::request_fds(context).empty() &&
      (method.kind == RpcKind::kClientStreaming || method.kind == RpcKind::kBidiStreaming)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "call ", method.full_name, ": descriptors attached to the context of a ",
        RpcKindName(method.kind), " call have no request to ride on; pass them to Write"));
  }
  if (deadline != absl::InfiniteFuture()) {
    start->set_timeout_nanos(
        std::max<int64_t>(1, absl::ToInt64Nanoseconds(deadline - absl::Now())));
  }

  std::shared_ptr<ClientCall> call;
  {
    absl::MutexLock lock(&connection_->mu());
    if (connection_->failed()) {
      // Outside the lock below; FailureForNewCalls takes it.
    } else if (goodbye_.has_value()) {
      return absl::UnavailableError(
          absl::StrCat(connection_->peer_name(), " is going away: ", *goodbye_));
    } else {
      call = std::allocate_shared<ClientCall>(RecyclingAllocator<ClientCall>(), calls_.NextId(),
                                             method, deadline, weak_from_this());
      call->response_target = response_target;
      if (done != nullptr) {
        call->done = std::move(*done);
        call->context = &context;
        ++async_pending_;
        if (deadline != absl::InfiniteFuture()) {
          async_deadlines_.emplace(deadline, call);
          if (deadline < pump_deadline_) pump_recheck_.store(true, std::memory_order_relaxed);
        }
      }
      calls_.Insert(call);
      // Its reply will be the next thing this thread waits for: in this section rather
      // than one of Await's own.
      if (reading != nullptr) *reading = connection_->ClaimReaderRole();
    }
  }
  if (call == nullptr) return connection_->FailureForNewCalls();
  if (!ClientContextAccess::Bind(context, call)) {
    // TryCancel came first: the call never starts, and an async call's `done` goes back
    // to the caller, who reports this status through it.
    {
      absl::MutexLock lock(&connection_->mu());
      calls_.Remove(call->id());
      if (call->done) {
        *done = std::move(call->done);
        --async_pending_;
      }
    }
    connection_->GiveBackReaderRole(reading);
    return absl::CancelledError(
        absl::StrCat("call ", method.full_name, " cancelled before it started"));
  }
  return call;
}

absl::Status SocketChannel::SendCallStart(ClientCall& call, ClientContext& context,
                                          const wire::CallStart& start,
                                          const google::protobuf::MessageLite* message,
                                          bool end_of_stream, bool batchable, bool* reading) {
  // Taken from the context before the frame goes: an async call's completion may run,
  // and its context be destroyed, before Send returns. Sent or not, the descriptors
  // were the call's to give away, and close here.
  std::vector<UniqueFd> fds;
  fds.swap(ClientContextAccess::request_fds(context));
  std::vector<int> raw = FdNumbers(fds);
  OutgoingFrame frame;
  frame.type = FrameType::kCallStart;
  frame.flags = end_of_stream ? kFlagEndOfStream : 0;
  frame.call_id = call.id();
  frame.control_bytes = KeptCallStartBytes(start);
  if (frame.control_bytes.empty()) frame.control = &start;
  frame.message = message;
  frame.fds = raw;
  absl::Status status = connection_->Send(frame, call.deadline, batchable, reading);
  if (status.ok()) return status;
  return SendFailure(std::move(status), call);
}

absl::Status SocketChannel::SendFailure(absl::Status status, const ClientCall& call) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) return DeadlinePassed(call.method);
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    return Annotate(status, absl::StrCat("request of ", call.method.full_name));
  }
  return status;
}

void SocketChannel::EndCall(const std::shared_ptr<ClientCall>& call, absl::Status status) {
  call->ended = true;
  call->status = std::move(status);
  if (call->done) {
    completions_.push_back(
        Completion{call, call->context, std::move(call->done), absl::OkStatus()});
    --async_pending_;
  }
}

void SocketChannel::EndLocally(ClientCall& call, absl::Status status, bool tell_server) {
  {
    absl::MutexLock lock(&connection_->mu());
    auto delivered = [&call]() { return !call.delivering; };
    connection_->mu().Await(absl::Condition(&delivered));
    if (call.ended) return;
    // A call that has neither ended nor is being delivered is still in the table.
    std::shared_ptr<ClientCall> keep = calls_.Remove(call.id());
    FORKRPC_CHECK(keep.get() == &call);
    EndCall(keep, std::move(status));
  }
  if (tell_server) connection_->SendControl(FrameType::kCancel, call.id());
  // A response may be arriving in chunks; what came of it is dropped.
  connection_->ForgetPartialMessage(call.id());
  // The reader may be waiting for this very call.
  connection_->WakeReader();
}

absl::Status SocketChannel::AwaitEnd(ClientCall& call, bool just_sent, bool holding_reader_role) {
  auto ended = [&call]() { return call.ended; };
  Connection::AwaitResult result =
      connection_->Await(ended, call.deadline, [] { return true; }, just_sent,
                         /*may_block=*/true, [] { return false; }, holding_reader_role,
                         /*ends_in_dispatch=*/true);
  // Ready means ended, with its status final. After a timeout, or a failure that may
  // have caught the call mid-delivery, EndLocally settles it.
  if (result != Connection::AwaitResult::kReady) {
    EndLocally(call, DeadlinePassed(call.method), /*tell_server=*/true);
  }
  return call.status;
}

void SocketChannel::FinishContext(ClientCall& call, ClientContext& context) {
  // The call stays bound to the context, which drops it when it goes: TryCancel of an
  // ended call does nothing, and unbinding here would cost a lock per call.
  // The call has ended, so nothing writes its metadata any more: no lock is needed. A
  // context serves one call, so its server metadata is empty until now.
  if (!call.initial_metadata.empty() || !call.trailing_metadata.empty()) {
    ClientContextAccess::SetServerMetadata(context, std::move(call.initial_metadata),
                                           std::move(call.trailing_metadata));
  }
}

// --- the four call kinds -------------------------------------------------------------

absl::Status SocketChannel::Call(const RpcMethod& method, ClientContext& context,
                                 const google::protobuf::MessageLite& request,
                                 google::protobuf::MessageLite* response) {
  wire::CallStart& start = ReusableCallStart(method);
  // This thread reads its own reply unless another reads already: it takes the reader
  // role when the call starts, and keeps it if the request goes in line.
  bool reading = false;
  absl::StatusOr<std::shared_ptr<ClientCall>> call = StartCall(
      method, context, MessageTarget{response, ClientContextAccess::response_fds(context)}, nullptr,
      &start, &reading);
  if (!call.ok()) return call.status();
  ClientCall& started = **call;
  absl::Status sent = SendCallStart(started, context, start, &request, /*end_of_stream=*/true,
                                    /*batchable=*/false, &reading);
  if (!sent.ok()) EndLocally(started, sent, /*tell_server=*/false);
  absl::Status status = AwaitEnd(started, /*just_sent=*/true, reading);
  FinishContext(started, context);
  return status;
}

void SocketChannel::CallAsync(const RpcMethod& method, ClientContext& context,
                              const google::protobuf::MessageLite& request,
                              google::protobuf::MessageLite* response,
                              absl::AnyInvocable<void(absl::Status)> done) {
  StartPumpIfNeeded();
  wire::CallStart& start = ReusableCallStart(method);
  absl::StatusOr<std::shared_ptr<ClientCall>> call =
      StartCall(method, context,
                MessageTarget{response, ClientContextAccess::response_fds(context)}, &done, &start);
  if (!call.ok()) {
    // `done` never runs inside the call that started it: the pump runs it.
    absl::MutexLock lock(&connection_->mu());
    completions_.push_back(Completion{nullptr, nullptr, std::move(done), call.status()});
    return;
  }
  // Started from a completion, it may go out with the calls the pump's other
  // completions start (Connection::BeginBatch).
  absl::Status sent = SendCallStart(**call, context, start, &request, /*end_of_stream=*/true,
                                    /*batchable=*/true);
  if (!sent.ok()) EndLocally(**call, sent, /*tell_server=*/false);
  // The pump sleeps until the earliest deadline it knew of; an earlier one wakes it.
  if (pump_recheck_.load(std::memory_order_relaxed)) connection_->WakeReader();
}

std::unique_ptr<GenericClientStream> SocketChannel::StartStream(
    const RpcMethod& method, ClientContext& context, const google::protobuf::MessageLite* request,
    google::protobuf::MessageLite* response) {
  wire::CallStart& start = ReusableCallStart(method);
  MessageTarget target;
  if (response != nullptr) target = {response, ClientContextAccess::response_fds(context)};
  absl::StatusOr<std::shared_ptr<ClientCall>> call =
      StartCall(method, context, target, nullptr, &start);
  if (!call.ok()) return std::make_unique<ClientStream>(call.status());
  bool half_closed = request != nullptr;
  absl::Status sent = SendCallStart(**call, context, start, request, half_closed);
  if (!sent.ok()) EndLocally(**call, sent, /*tell_server=*/false);
  return std::make_unique<ClientStream>(shared_from_this(), *std::move(call), context, half_closed);
}

// --- frames from the server ----------------------------------------------------------

absl::Status SocketChannel::OnFrame(const Frame& frame, std::vector<UniqueFd>&& fds, Work*) {
  switch (frame.header.type) {
    case FrameType::kStatus:
      return OnStatus(frame, std::move(fds));
    case FrameType::kMessage:
      return OnMessage(frame, std::move(fds));
    case FrameType::kCredit:
      return OnCredit(frame);
    default:
      return ProtocolError(
          absl::StrCat("server sent a ", FrameTypeName(frame.header.type), " frame"));
  }
}

absl::StatusOr<std::shared_ptr<ClientCall>> SocketChannel::FindCall(const Frame& frame) {
  return calls_.FindFor(frame.header);
}

absl::Status SocketChannel::OnStatus(const Frame& frame, std::vector<UniqueFd>&& fds) {
  absl::Status status;
  Metadata initial, trailing;
  // An empty control section is an OK status without metadata, the usual answer: it
  // needs no parsing.
  if (!frame.control.empty()) {
    // Proto3 has no required fields, so the partial parse checks all there is to check.
    wire::CallStatus proto;
    if (!proto.ParsePartialFromArray(frame.control.data(),
                                     static_cast<int>(frame.control.size()))) {
      return ProtocolError("STATUS control section does not parse");
    }
    status = DecodeStatus(proto);
    absl::Status metadata = DecodeMetadata(proto.initial_metadata(), &initial);
    if (metadata.ok()) metadata = DecodeMetadata(proto.trailing_metadata(), &trailing);
    if (!metadata.ok()) return metadata;
  }

  std::shared_ptr<ClientCall> call;
  MessageTarget target;
  {
    absl::MutexLock lock(&connection_->mu());
    // Taken out of the table, whose reference moves here: the STATUS ends the call.
    absl::StatusOr<std::shared_ptr<ClientCall>> found = calls_.TakeFor(frame.header);
    if (!found.ok() || *found == nullptr) return found.status();
    call = *std::move(found);
    if (status.ok() && !frame.refused.ok()) {
      // The response was refused on arrival (over the size limit, say): the call fails.
      status = Annotate(frame.refused, absl::StrCat("response of ", call->method.full_name));
    } else if (frame.has_message && call->response_target.message == nullptr) {
      calls_.Insert(call);  // back, for the failure this error brings to end it
      return ProtocolError(absl::StrCat("STATUS of ", RpcKindName(call->method.kind), " call ",
                                        call->method.full_name, " carries a message"));
    }
    // Moved only when there is some: most answers carry none.
    if (!initial.empty() && !call->initial_metadata_received) {
      call->initial_metadata = std::move(initial);
    }
    if (!trailing.empty()) call->trailing_metadata = std::move(trailing);
    if (status.ok() && call->response_target.message != nullptr) {
      if (!frame.has_message || !frame.refused.ok()) {
        status = absl::InternalError(
            absl::StrCat("server answered ", call->method.full_name, " with OK but no response"));
      } else if (frame.message.size() <= kParsedInTheSection) {
        ParseResponse(*call, frame, call->response_target, std::move(fds), &status);
      } else {
        target = call->response_target;
        call->delivering = true;
      }
    }
    if (target.message == nullptr) {
      EndCall(call, std::move(status));
      connection_->EndReadingIfReady();
      return absl::OkStatus();
    }
  }
  // The caller is parked until `delivering` clears: parse straight into its response.
  ParseResponse(*call, frame, target, std::move(fds), &status);
  absl::MutexLock lock(&connection_->mu());
  call->delivering = false;
  EndCall(call, std::move(status));
  connection_->EndReadingIfReady();
  return absl::OkStatus();
}

absl::Status SocketChannel::OnMessage(const Frame& frame, std::vector<UniqueFd>&& fds) {
  std::shared_ptr<ClientCall> call;
  absl::Status refused;
  MessageTarget claimed;
  {
    absl::MutexLock lock(&connection_->mu());
    absl::StatusOr<std::shared_ptr<ClientCall>> found = FindCall(frame);
    if (!found.ok() || *found == nullptr) return found.status();
    call = *std::move(found);
    if (call->method.kind == RpcKind::kUnary || call->method.kind == RpcKind::kClientStreaming) {
      return ProtocolError(absl::StrCat("MESSAGE frame on ", RpcKindName(call->method.kind),
                                        " call ", call->method.full_name));
    }
    if (frame.header.has(kFlagEndOfStream)) {
      return ProtocolError("server half-closed a call; only STATUS ends one");
    }
    if (!frame.refused.ok()) {
      refused = Annotate(frame.refused, absl::StrCat("response of ", call->method.full_name));
    }
    if (!frame.control.empty() && !call->initial_metadata_received) {
      wire::ServerHeaders headers;
      if (!headers.ParseFromArray(frame.control.data(), static_cast<int>(frame.control.size()))) {
        return ProtocolError("MESSAGE headers do not parse");
      }
      absl::Status status = DecodeMetadata(headers.initial_metadata(), &call->initial_metadata);
      if (!status.ok()) return status;
      call->initial_metadata_received = true;
    }
    if (refused.ok()) {
      absl::Status status = connection_->DeliverMessageLocked(*call, frame, &fds, &claimed);
      if (!status.ok()) return status;
    }
  }
  if (!refused.ok()) {
    EndLocally(*call, std::move(refused), /*tell_server=*/true);
    return absl::OkStatus();
  }
  if (claimed.message != nullptr) {
    connection_->CompleteDelivery(*call, claimed, frame, std::move(fds));
  }
  return absl::OkStatus();
}

absl::Status SocketChannel::OnCredit(const Frame& frame) {
  wire::Credit credit;
  if (!credit.ParseFromArray(frame.control.data(), static_cast<int>(frame.control.size()))) {
    return ProtocolError("CREDIT control section does not parse");
  }
  absl::MutexLock lock(&connection_->mu());
  absl::StatusOr<std::shared_ptr<ClientCall>> found = FindCall(frame);
  if (!found.ok() || *found == nullptr) return found.status();
  return (*found)->send_credit.Grant(credit.bytes());
}

void SocketChannel::OnGoodbye(absl::string_view reason) {
  absl::MutexLock lock(&connection_->mu());
  goodbye_ = std::string(reason);
}

void SocketChannel::FailCalls(const absl::Status& status) {
  for (std::shared_ptr<ClientCall>& call : calls_.TakeAll()) {
    EndCall(call, status);
  }
}

void SocketChannel::Schedule(Work work) {
  // Dispatching on the client produces no work; completions go to the pump instead.
  FORKRPC_CHECK(false);
}

// --- the pump: async completions and deadlines ----------------------------------------

void SocketChannel::StartPumpIfNeeded() {
  if (pump_launched_.load(std::memory_order_acquire)) return;
  absl::MutexLock lock(&connection_->mu());
  if (pump_started_) return;
  pump_started_ = true;
  pump_ = std::thread([this] { PumpLoop(); });
  pump_launched_.store(true, std::memory_order_release);
}

void SocketChannel::PumpLoop() {
  // Kept from turn to turn: it and completions_ trade buffers that keep their capacity.
  std::vector<Completion> ready;
  absl::Time deadline;
  {
    absl::MutexLock lock(&connection_->mu());
    deadline = pump_deadline_ = NextAsyncDeadline();
  }
  for (;;) {
    auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
      return !completions_.empty() || stopping_ || pump_recheck_.load(std::memory_order_relaxed);
    };
    auto wants_to_read = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
      return async_pending_ > 0;
    };
    // Never blocked in a receive: completions queued by other threads (TryCancel) and
    // earlier deadlines must reach it at once.
    // With replies of other calls due, those already waiting join this turn, so the
    // calls their completions start go out in one batch.
    auto gather = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu()) {
      return async_pending_ > 0;
    };
    Connection::AwaitResult result =
        connection_->Await(has_work, deadline, wants_to_read, /*reply_pending=*/false,
                           /*may_block=*/false, gather);
    if (result == Connection::AwaitResult::kFailed) {
      // Nothing more comes from the socket, and Await says so at once each time: sleep
      // until a call failing at its start queues a completion, or the channel stops.
      absl::MutexLock lock(&connection_->mu());
      connection_->mu().AwaitWithDeadline(absl::Condition(&has_work), deadline);
    }

    std::vector<uint32_t> expired;
    bool stop;
    {
      absl::MutexLock lock(&connection_->mu());
      expired = ExpireAsyncCalls();
      ready.swap(completions_);
      stop = stopping_;
      // The next turn's deadline, fixed before the completions run: a call they start
      // that is due earlier sets pump_recheck_ against it.
      pump_recheck_.store(false, std::memory_order_relaxed);
      deadline = pump_deadline_ = NextAsyncDeadline();
    }
    for (uint32_t id : expired) connection_->SendControl(FrameType::kCancel, id);
    bool batching = connection_->BeginBatch();
    RunCompletions(ready);
    ready.clear();
    if (t_pump_channel_destroyed) return;  // the batch went with the connection
    if (batching) EndBatch();
    if (stop) return;
  }
}

void SocketChannel::EndBatch() {
  std::vector<uint32_t> unsent;
  absl::Status status = connection_->EndBatch(&unsent);
  for (uint32_t id : unsent) {
    std::shared_ptr<ClientCall> call;
    {
      absl::MutexLock lock(&connection_->mu());
      call = calls_.FindShared(id);
    }
    if (call == nullptr) continue;
    EndLocally(*call, SendFailure(status, *call), /*tell_server=*/false);
  }
}

std::vector<uint32_t> SocketChannel::ExpireAsyncCalls() {
  std::vector<uint32_t> expired;
  if (async_deadlines_.empty()) return expired;
  absl::Time now = absl::Now();
  while (!async_deadlines_.empty() && async_deadlines_.begin()->first <= now) {
    std::shared_ptr<ClientCall> call = async_deadlines_.begin()->second.lock();
    async_deadlines_.erase(async_deadlines_.begin());
    if (call == nullptr || call->ended || call->delivering) continue;
    calls_.Remove(call->id());
    EndCall(call, DeadlinePassed(call->method));
    expired.push_back(call->id());
  }
  return expired;
}

absl::Time SocketChannel::NextAsyncDeadline() const {
  return async_deadlines_.empty() ? absl::InfiniteFuture() : async_deadlines_.begin()->first;
}

void SocketChannel::RunCompletions(std::vector<Completion>& completions) {
  for (Completion& completion : completions) {
    absl::Status status =
        completion.call != nullptr ? completion.call->status : completion.unstarted_status;
    if (completion.call != nullptr) FinishContext(*completion.call, *completion.context);
    std::move(completion.done)(std::move(status));
  }
}

}  // namespace forkrpc::internal
