#include "forkrpc/internal/connection.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/internal/check.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/pidfd.h"
#include "forkrpc/internal/socket_io.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {
namespace {

// unix(7): a datagram may be at most the send buffer less this much bookkeeping.
constexpr int kSendBufferReserve = 32;
// The send buffer a connection asks for before its first chunked message (the kernel
// doubles the request and caps it at net.core.wmem_max, 212,992 B by default, so 416 KiB
// there). A packet keeps the size the socket came with, so several are on their way at
// once: a big message's chunks are copied in by the sender while the receiver copies
// earlier ones out, on two CPUs at once. With one packet per buffer, the two copies took
// turns and each chunk cost two wake-ups across CPUs: a 1 MiB round trip took twice as
// long. Connections of small messages keep the buffer they came with: a stream of them
// ran a few percent faster through it than through a bigger one.
constexpr int kWantedSendBuffer = 2 << 20;
// How long a dead peer's pidfd is given to report the exit after end-of-file, so the
// status can say how the peer ended (DESIGN.md, Processes).
constexpr absl::Duration kExitReportWait = absl::Milliseconds(100);
// The longest setup error a hello carries, so the hello fits any peer's first buffer.
constexpr size_t kMaxSetupErrorLength = 1024;

absl::Status GetSocketOption(int fd, int option, int* value) {
  socklen_t length = sizeof(*value);
  if (::getsockopt(fd, SOL_SOCKET, option, value, &length) != 0) {
    return ErrnoStatus("getsockopt", errno);
  }
  return absl::OkStatus();
}

}  // namespace

thread_local Connection::ReaderWait* Connection::t_reader_wait_ = nullptr;

absl::StatusOr<std::unique_ptr<Connection>> Connection::Create(UniqueFd socket,
                                                               ConnectionOptions options) {
  if (options.max_message_size <= 0 || options.max_message_size > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("max_message_size ", options.max_message_size,
                                                   " is outside [1, ", INT_MAX, "]"));
  }
  absl::Status budget = CheckBusyPollBudget(options.busy_poll);
  if (!budget.ok()) return budget;
  int domain = 0, type = 0, send_buffer = 0;
  absl::Status status = GetSocketOption(socket.get(), SO_DOMAIN, &domain);
  if (status.ok()) status = GetSocketOption(socket.get(), SO_TYPE, &type);
  if (status.ok()) status = GetSocketOption(socket.get(), SO_SNDBUF, &send_buffer);
  if (!status.ok() || domain != AF_UNIX || (type != SOCK_SEQPACKET && type != SOCK_DGRAM)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "descriptor ", socket.get(), " is not an AF_UNIX SOCK_SEQPACKET or SOCK_DGRAM socket",
        status.ok() ? "" : absl::StrCat(" (", status.message(), ")")));
  }
  uint32_t max_packet = static_cast<uint32_t>(
      std::min<int64_t>(int64_t{send_buffer} - kSendBufferReserve, kMaxPacketSize));
  if (max_packet < kMinPacketSize) {
    return absl::InvalidArgumentError(absl::StrCat("socket send buffer of ", send_buffer,
                                                   " bytes is below the minimum packet size ",
                                                   kMinPacketSize));
  }
  // The peer's hello carries its credentials (SCM_CREDENTIALS); the kernel passes them
  // on only while SO_PASSCRED is set, which AcceptHello clears again.
  int on = 1;
  if (::setsockopt(socket.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
    return ErrnoStatus("setsockopt(SO_PASSCRED)", errno);
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return ErrnoStatus("eventfd", errno);
  UniqueFd idle_wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!idle_wake.valid()) return ErrnoStatus("eventfd", errno);
  timeval slice = absl::ToTimeval(kReceiveSlice);
  if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice)) != 0) {
    return ErrnoStatus("setsockopt(SO_RCVTIMEO)", errno);
  }
  SocketType socket_type = type == SOCK_SEQPACKET ? SocketType::kSeqPacket : SocketType::kDatagram;
  return std::unique_ptr<Connection>(new Connection(std::move(socket), socket_type, max_packet,
                                                    std::move(wake), std::move(idle_wake),
                                                    std::move(options)));
}

absl::Status Connection::EnlargeSendBuffer() {
  if (send_buffer_enlarged_.load(std::memory_order_relaxed) ||
      send_buffer_enlarged_.exchange(true)) {
    return absl::OkStatus();
  }
  int send_buffer = 0;
  absl::Status status = GetSocketOption(socket_.get(), SO_SNDBUF, &send_buffer);
  if (!status.ok() || send_buffer >= kWantedSendBuffer) return status;
  int request = kWantedSendBuffer / 2;  // socket(7): the kernel doubles what it is given
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDBUF, &request, sizeof(request)) != 0) {
    return ErrnoStatus("setsockopt(SO_SNDBUF)", errno);
  }
  return absl::OkStatus();
}

Connection::Connection(UniqueFd socket, SocketType type, uint32_t max_packet_size, UniqueFd wake,
                       UniqueFd idle_wake, ConnectionOptions options)
    : socket_(std::move(socket)),
      socket_type_(type),
      max_packet_size_(max_packet_size),
      wake_(std::move(wake)),
      idle_wake_(std::move(idle_wake)),
      options_(std::move(options)),
      receive_buffer_(new char[kHelloBufferSize]),
      receive_capacity_(kHelloBufferSize),
      assembler_(options_.max_message_size),
      busy_poll_(options_.busy_poll) {
  if (options_.peer_name.empty()) options_.peer_name = "peer";
}

Connection::~Connection() { ForgetBatch(); }

absl::Status Connection::Start(Handler* handler, bool defer_hello) {
  handler_ = handler;
  return defer_hello ? absl::OkStatus() : SendHello();
}

absl::Status Connection::SendHello() {
  HelloInfo hello;
  hello.max_packet_size = max_packet_size_;
  hello.max_message_size = static_cast<uint64_t>(options_.max_message_size);
  if (!options_.setup_error.ok()) {
    hello.setup_error =
        absl::Status(options_.setup_error.code(),
                     options_.setup_error.message().substr(0, kMaxSetupErrorLength));
  }
  std::string packet = EncodeHello(hello);
  iovec data{packet.data(), packet.size()};
  absl::Status status =
      SendPacketWaiting({&data, 1}, {}, /*with_credentials=*/true, absl::InfiniteFuture());
  // A peer gone already is the connection's failure, which calls will report; it may
  // have said why in its own hello (a helper whose setup failed), read by now.
  if (!status.ok() && failed()) return absl::OkStatus();
  return Annotate(status, "send hello");
}

// --- waiting and reading -----------------------------------------------------------

Connection::AwaitResult Connection::Await(absl::FunctionRef<bool()> ready, absl::Time deadline,
                                          absl::FunctionRef<bool()> wants_to_read,
                                          bool reply_pending, bool may_block,
                                          absl::FunctionRef<bool()> gather,
                                          bool holding_reader_role, bool ends_in_dispatch) {
  if (batch_owner_ == this) FlushBatch();  // what this thread batched may be awaited
  bool read_here = false;  // this thread held the reader role, and gave it up
  int gathered = 0;
  // A thread that claimed the role before sending reads first: its reply is what it
  // waits for, and the section that would look first is saved.
  bool read_now = holding_reader_role;
  if (!read_now) mu_.Lock();
  for (;;) {
    if (!read_now) {
      // Having just read, and with the role free, this thread may read on: expect_data_
      // is still its own (no other thread took the role since).
      if (ready() && !(read_here && expect_data_ && !reader_active_ &&
                       gathered++ < kMaxGatheredFrames && gather())) {
        break;
      }
      if (!failure_.ok()) {
        mu_.Unlock();
        return AwaitResult::kFailed;
      }
      if (!reader_active_ && wants_to_read()) {
        reader_active_ = true;
        mu_.Unlock();
      } else if (reader_active_ && reader_is_idle_watcher_ && !handover_requested_ &&
                 wants_to_read()) {
        // An idle pool thread watches the socket; we would rather read ourselves than
        // be woken by it for our message: ask it to step aside.
        handover_requested_ = true;
        mu_.Unlock();
        WakeReader();
        mu_.Lock();
        continue;
      } else {
        // Another thread reads (or this one may not): sleep until the condition holds,
        // the reader role frees up, or the connection fails.
        auto wake_up = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return ready() || !failure_.ok() || (!reader_active_ && wants_to_read());
        };
        if (!mu_.AwaitWithDeadline(absl::Condition(&wake_up), deadline)) {
          bool is_ready = ready();
          mu_.Unlock();
          return is_ready ? AwaitResult::kReady : AwaitResult::kTimeout;
        }
        continue;
      }
    }
    read_now = false;
    if (reply_pending && batch_rest_.empty()) expect_data_ = false;
    reply_pending = false;
    if (ends_in_dispatch) {
      ReaderWait wait{this, ready};
      {
        ScopedReaderWait waiting(&wait);
        ReadOnce(deadline, nullptr, may_block);
      }
      if (wait.ended) {
        // The dispatch saw `ready` and gave up the role in its section.
        if (wait.left_at != 0) ArmWatchdogAfterDrop(wait.left_at);
        return AwaitResult::kReady;
      }
    } else {
      ReadOnce(deadline, nullptr, may_block);
    }
    mu_.Lock();
    reader_active_ = false;
    read_here = true;
    if (deadline != absl::InfiniteFuture() && absl::Now() >= deadline && !ready()) {
      int64_t left_at = DropReaderRole();
      mu_.Unlock();
      if (left_at != 0) ArmWatchdogAfterDrop(left_at);
      return AwaitResult::kTimeout;
    }
  }
  // The role was given up above, in the critical section that saw `ready`; if this
  // thread held it, the socket is unwatched now.
  int64_t left_at = read_here && !reader_active_ ? DropReaderRole() : 0;
  mu_.Unlock();
  if (left_at != 0) ArmWatchdogAfterDrop(left_at);
  return AwaitResult::kReady;
}

absl::StatusOr<HelloInfo> Connection::AwaitPeerHello(absl::Time deadline) {
  auto arrived = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return peer_hello_.has_value(); };
  Await(arrived, deadline);
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  if (peer_hello_.has_value()) return *peer_hello_;
  return absl::DeadlineExceededError(
      absl::StrCat("deadline passed waiting for the hello of ", options_.peer_name));
}

void Connection::ReadOnce(absl::Time deadline, Work* work, bool may_block) {
  if (!batch_rest_.empty()) {
    ReceiveAndDispatch(work);  // the rest of a BATCH: no waiting, no system call
    return;
  }
  if (!expect_data_ && may_block && BlockingReceiveAllowed(deadline)) {
    if (ReceiveWithinSlice(work) || failed()) return;
  }
  if (!expect_data_) {
    absl::StatusOr<ReaderEvents> events = WaitForEvents(deadline);
    if (!events.ok()) {
      Fail(Annotate(events.status(), "wait for frames"));
      return;
    }
    if (!events->readable) {
      // A dead peer's last packets are read before its death is reported.
      if (events->peer_exited) PeerGone();
      return;
    }
  }
  ReceiveAndDispatch(work);
}

bool Connection::BlockingReceiveAllowed(absl::Time deadline) const {
  // The kernel rounds SO_RCVTIMEO up to whole clock ticks (4 ms at 250 Hz), plus one.
  constexpr absl::Duration kLongestSlice = absl::Milliseconds(20);
  // Mid-way through a chunked message, the next chunk is received in place
  // (ReceiveChunkInPlace), which a blocking receive into the packet buffer would miss.
  // Without a slice nothing but a packet ends the receive: a deadline needs the event
  // set's timed wait.
  if (deadline != absl::InfiniteFuture() &&
      (!receive_slice_ || deadline - absl::Now() <= kLongestSlice)) {
    return false;
  }
  return packets_flowing_ && assembler_.empty() &&
         !control_queued_.load(std::memory_order_acquire);
}

bool Connection::ReceiveWithinSlice(Work* work) {
  if (busy_poll_.ShouldPoll()) {
    // Polling looks at the reader's state after each dispatch: the role stays until
    // the poll is over.
    bool polled;
    {
      ScopedReaderWait role_stays(nullptr);
      polled = busy_poll_.Poll([this, work] {
        ReceiveAndDispatch(work, ReceiveMode::kDontWait);
        return expect_data_ || failed();
      });
    }
    if (polled) return expect_data_;
  }
  ReceiveAndDispatch(work, ReceiveMode::kWait);
  // Another thread may read already: a packet came, and ended this thread's wait.
  if (t_reader_wait_ != nullptr && t_reader_wait_->ended) return true;
  // A whole slice passed empty: wait on the event set from now on.
  if (!expect_data_) packets_flowing_ = false;
  return expect_data_;
}

absl::Status Connection::MakeReaderEvents() {
  absl::StatusOr<EventSet> events = EventSet::Create();
  if (!events.ok()) return events.status();
  absl::Status status = events->Add(kSocketSlot, socket_.get(), EPOLLIN);
  if (status.ok()) status = events->Add(kWakeSlot, wake_.get(), EPOLLIN);
  if (status.ok() && options_.peer_process.has_value()) {
    status = events->Add(kPeerSlot, options_.peer_process->pidfd.get(), EPOLLIN);
  }
  if (!status.ok()) return status;
  reader_events_.emplace(*std::move(events));
  return absl::OkStatus();
}

absl::StatusOr<Connection::ReaderEvents> Connection::WaitForEvents(absl::Time deadline) {
  if (!reader_events_.has_value()) {
    absl::Status made = MakeReaderEvents();
    if (!made.ok()) return made;
  }
  bool want_room = control_queued_.load(std::memory_order_acquire);
  if (want_room != reader_events_want_room_) {
    absl::Status status =
        reader_events_->Modify(kSocketSlot, want_room ? EPOLLIN | EPOLLOUT : EPOLLIN);
    if (!status.ok()) return status;
    reader_events_want_room_ = want_room;
  }
  absl::StatusOr<EventSet::Ready> ready = reader_events_->Wait(deadline);
  if (!ready.ok()) return ready.status();
  uint32_t socket = ready->events[kSocketSlot];
  ReaderEvents events;
  events.readable = (socket & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
  events.woken = ready->events[kWakeSlot] != 0;
  events.peer_exited = ready->events[kPeerSlot] != 0;
  if (events.woken) DrainWake();
  if (want_room && (socket & EPOLLOUT) != 0) FlushControlQueue(Flusher::kReader);
  return events;
}

void Connection::ReceiveAndDispatch(Work* work, ReceiveMode mode) {
  if (!batch_rest_.empty()) {
    Work produced;
    DispatchBatched(&produced);
    if (produced) DeliverWork(produced, work);
    return;
  }
  if (partials_forgotten_.load(std::memory_order_acquire)) {
    std::vector<uint32_t> forgotten;
    {
      absl::MutexLock lock(&mu_);
      forgotten.swap(forgotten_partials_);
      partials_forgotten_.store(false, std::memory_order_release);
    }
    for (uint32_t id : forgotten) assembler_.Discard(id);
  }
  if (!assembler_.empty() && ReceiveChunkInPlace()) {
    expect_data_ = true;
    return;
  }
  ReceivedPacket packet;
  // The hello brings credentials; later packets bring descriptors only when announced.
  ControlRoom room = !hello_received_ || announced_descriptor_packets_ > 0 ? ControlRoom::kMake
                                                                           : ControlRoom::kNone;
  absl::StatusOr<IoProgress> progress =
      ReceivePacket(socket_.get(), absl::MakeSpan(receive_buffer_.get(), receive_capacity_),
                    &packet, mode, room);
  if (!progress.ok()) {
    if (progress.status().code() == absl::StatusCode::kUnavailable && !peer_reset_seen_) {
      // A peer that closed with our packets unread leaves ECONNRESET pending on our
      // socket, and recvmsg reports it before the packets the peer sent us (unix(7)).
      // It is reported once: read on, to the end of what the peer said.
      peer_reset_seen_ = true;
      expect_data_ = true;
    } else if (progress.status().code() == absl::StatusCode::kUnavailable) {
      PeerGone();
    } else {
      Fail(Annotate(progress.status(), "receive frame"));
    }
    return;
  }
  if (*progress == IoProgress::kWouldBlock) {
    expect_data_ = false;
    return;
  }
  expect_data_ = true;
  packets_flowing_ = true;
  if (packet.size == 0) {
    // End-of-file on SEQPACKET. Over DGRAM it is an empty datagram, which no frame is.
    if (socket_type_ == SocketType::kSeqPacket) {
      PeerGone();
    } else {
      Fail(ProtocolError("empty packet"), /*say_goodbye=*/true);
    }
    return;
  }
  if (packet.size > receive_capacity_) {
    Fail(ProtocolError(absl::StrCat("packet of ", packet.size, " bytes exceeds the ",
                                    receive_capacity_, "-byte packet size the peer announced")),
         /*say_goodbye=*/true);
    return;
  }
  std::vector<UniqueFd> fds = std::move(packet.fds);
  Work produced;
  Dispatch(packet, std::move(fds), &produced);
  if (produced) DeliverWork(produced, work);
}

void Connection::DispatchBatched(Work* work) {
  absl::StatusOr<Frame> frame = DecodeBatchedFrame(&batch_rest_);
  if (!frame.ok()) {
    batch_rest_ = absl::string_view();
    Fail(frame.status(), /*say_goodbye=*/true);
    return;
  }
  std::vector<UniqueFd> none;
  absl::Status status = DispatchCallFrame(&*frame, &none, /*fds_lost=*/false, work);
  if (!status.ok()) FailDispatch(status);
}

bool Connection::ReceiveChunkInPlace() {
  char head[kFrameHeaderSize];
  absl::StatusOr<size_t> peeked = PeekPacket(socket_.get(), absl::MakeSpan(head));
  if (!peeked.ok() || *peeked != kFrameHeaderSize) return false;
  FrameHeader header = ReadFrameHeader(head);
  if (header.type != FrameType::kChunk || header.flags != 0 || header.fd_count != 0 ||
      header.control_length != 0) {
    return false;
  }
  char* target = assembler_.ContinuationTarget(header.call_id, header.message_length);
  if (target == nullptr) return false;  // the ordinary path reads it, and judges it
  iovec parts[2] = {{head, kFrameHeaderSize}, {target, header.message_length}};
  ReceivedPacket packet;
  absl::StatusOr<IoProgress> progress = ReceivePacket(socket_.get(), parts, &packet);
  if (!progress.ok() || *progress != IoProgress::kDone) return false;
  if (packet.size != kFrameHeaderSize + header.message_length || !packet.fds.empty() ||
      packet.control_truncated) {
    Fail(ProtocolError("CHUNK frame changed between peeking and reading it"),
         /*say_goodbye=*/true);
    return true;
  }
  assembler_.ContinuationReceived(header.call_id, header.message_length);
  return true;
}

void Connection::Dispatch(const ReceivedPacket& packet, std::vector<UniqueFd>&& fds,
                          Work* work) {
  // When the kernel dropped descriptors (MSG_CTRUNC) their count cannot be checked; the
  // message is refused below and the ones that did arrive close with it.
  bool fds_lost = packet.control_truncated;
  absl::StatusOr<Frame> frame = DecodeFrame(
      absl::string_view(receive_buffer_.get(), packet.size),
      fds_lost || !packet.had_control_room ? std::nullopt : std::optional<size_t>(fds.size()));
  if (!frame.ok()) {
    Fail(frame.status(), /*say_goodbye=*/true);
    return;
  }
  FrameType type = frame->header.type;
  if (frame->header.fd_count > 0 || !fds.empty() || fds_lost) {
    if (!packet.had_control_room) {
      // The kernel has closed them: there was no announcement to make room for them.
      Fail(ProtocolError(absl::StrCat(FrameTypeName(type), " frame carries ",
                                      frame->header.fd_count,
                                      " descriptors that no DESCRIPTORS_NEXT announced")),
           /*say_goodbye=*/true);
      return;
    }
    if (announced_descriptor_packets_ > 0) --announced_descriptor_packets_;
  }
  absl::Status status;
  if (!hello_received_) {
    status = fds_lost ? ProtocolError("HELLO lost its control message")
                      : AcceptHello(*frame, packet.credentials);
  } else if (type == FrameType::kHello) {
    status = ProtocolError("second HELLO");
  } else if (type == FrameType::kDescriptorsNext) {
    ++announced_descriptor_packets_;
  } else if (type == FrameType::kGoodbye) {
    wire::Goodbye goodbye;
    if (!goodbye.ParseFromArray(frame->control.data(), static_cast<int>(frame->control.size()))) {
      status = ProtocolError("GOODBYE control section does not parse");
    } else {
      handler_->OnGoodbye(goodbye.reason());
    }
  } else if (type == FrameType::kChunk) {
    status = assembler_.AddChunk(*frame, std::move(fds), fds_lost);
  } else if (type == FrameType::kBatch) {
    // Its frames are dispatched one per ReceiveAndDispatch, the first one now.
    batch_rest_ = frame->message;
    DispatchBatched(work);
  } else {
    status = DispatchCallFrame(&*frame, &fds, fds_lost, work);
  }
  if (!status.ok()) FailDispatch(status);
}

absl::Status Connection::DispatchCallFrame(Frame* frame, std::vector<UniqueFd>* fds,
                                           bool fds_lost, Work* work) {
  const FrameHeader& header = frame->header;
  bool in_packet = !header.has(kFlagChunked) && !header.has(kFlagOutOfLine);
  if (in_packet && !fds_lost && assembler_.empty() && frame->refused.ok() &&
      frame->message.size() <= static_cast<uint64_t>(options_.max_message_size)) {
    // Whole in its packet and within the limit, as most frames are: nothing to gather,
    // and the message is read where it lies.
    return handler_->OnFrame(*frame, std::move(*fds), work);
  }
  MessageBytes storage;
  absl::Status status = GatherMessage(frame, fds, fds_lost, &storage);
  if (status.ok()) {
    // The storage goes back to the assembler after the handler: the role stays.
    ScopedReaderWait role_stays(nullptr);
    dispatched_storage_ = &storage;
    status = handler_->OnFrame(*frame, std::move(*fds), work);
    dispatched_storage_ = nullptr;
  }
  assembler_.Recycle(storage.TakeBuffer());
  return status;
}

void Connection::FailDispatch(const absl::Status& status) {
  bool protocol = absl::StartsWith(status.message(), "protocol error");
  Fail(status, /*say_goodbye=*/protocol);
}

absl::Status Connection::GatherMessage(Frame* frame, std::vector<UniqueFd>* fds, bool fds_lost,
                                       MessageBytes* storage) {
  const FrameHeader& header = frame->header;
  bool carries_message = header.type == FrameType::kCallStart ||
                         header.type == FrameType::kMessage || header.type == FrameType::kStatus;
  if (header.has(kFlagChunked)) {
    absl::StatusOr<AssembledMessage> assembled =
        assembler_.Finish(header.call_id, header.message_length, fds->size());
    if (!assembled.ok()) return assembled.status();
    frame->refused = std::move(assembled->refused);
    *storage = std::move(assembled->bytes);
    frame->message = storage->view();
    // The chunks' descriptors come first, then this frame's own.
    for (UniqueFd& fd : *fds) assembled->fds.push_back(std::move(fd));
    *fds = std::move(assembled->fds);
  } else if ((carries_message || header.type == FrameType::kCancel) && !assembler_.empty()) {
    // The call moved on without finishing a chunked message: its sender gave it up.
    assembler_.Discard(header.call_id);
  }
  if (header.has(kFlagOutOfLine) && fds->empty()) {
    // The kernel dropped every descriptor, the memfd among them (MSG_CTRUNC): there is no
    // message to map. Without a loss DecodeFrame has made sure the memfd came.
    frame->refused = absl::ResourceExhaustedError(
        "the out-of-line message's memfd was lost: the receiver's descriptor table is full "
        "(MSG_CTRUNC)");
  } else if (header.has(kFlagOutOfLine)) {
    UniqueFd memfd = std::move(fds->front());
    fds->erase(fds->begin());
    if (header.message_length > static_cast<uint64_t>(options_.max_message_size)) {
      frame->refused = absl::ResourceExhaustedError(
          absl::StrCat("message of ", header.message_length, " bytes exceeds the limit of ",
                       options_.max_message_size, " bytes"));
    } else {
      absl::StatusOr<SealedMapping> mapping =
          SealedMapping::Map(memfd.get(), header.message_length);
      if (!mapping.ok()) return ProtocolError(mapping.status().message());
      *storage = MessageBytes(*std::move(mapping));
      frame->message = storage->view();
    }
  }
  if (fds_lost && frame->refused.ok()) {
    frame->refused = absl::ResourceExhaustedError(absl::StrCat(
        "descriptors of the message were lost: the receiver's descriptor table is full "
        "(MSG_CTRUNC; ",
        fds->size(), " of ", header.fd_count, " arrived)"));
  }
  if (frame->has_message && frame->refused.ok() &&
      frame->message.size() > static_cast<uint64_t>(options_.max_message_size)) {
    frame->refused = absl::ResourceExhaustedError(
        absl::StrCat("message of ", frame->message.size(), " bytes exceeds the limit of ",
                     options_.max_message_size, " bytes"));
  }
  if (!frame->refused.ok()) {
    frame->message = absl::string_view();
    fds->clear();
  }
  return absl::OkStatus();
}

void Connection::ForgetPartialMessage(uint32_t call_id) {
  absl::MutexLock lock(&mu_);
  forgotten_partials_.push_back(call_id);
  partials_forgotten_.store(true, std::memory_order_release);
}

absl::Status Connection::AcceptHello(const Frame& frame, const std::optional<ucred>& credentials) {
  absl::StatusOr<HelloInfo> hello = DecodeHello(frame);
  if (!hello.ok()) return hello.status();
  if (hello->max_packet_size > receive_capacity_) {
    receive_buffer_.reset(new char[hello->max_packet_size]);
    receive_capacity_ = hello->max_packet_size;
  }
  // Credentials were wanted for the hello only; later packets need not carry them.
  int off = 0;
  ::setsockopt(socket_.get(), SOL_SOCKET, SO_PASSCRED, &off, sizeof(off));
  hello_received_ = true;
  peer_max_message_size_.store(
      static_cast<int64_t>(std::min<uint64_t>(hello->max_message_size, INT_MAX)),
      std::memory_order_release);
  absl::MutexLock lock(&mu_);
  peer_hello_ = *hello;
  if (credentials.has_value()) {
    peer_credentials_ = PeerCredentials{credentials->pid, credentials->uid, credentials->gid};
  }
  return hello->setup_error;
}

void Connection::DrainWake() {
  uint64_t count;
  while (::read(wake_.get(), &count, sizeof(count)) > 0) {
  }
}

void Connection::WakeReader() {
  uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up".
  [[maybe_unused]] ssize_t written = ::write(wake_.get(), &one, sizeof(one));
}

void Connection::WakeIdleThreads() {
  uint64_t one = 1;
  // Never drained: each write is an edge for every IdleWait's epoll set. The counter
  // would need 2^64 writes to fill.
  [[maybe_unused]] ssize_t written = ::write(idle_wake_.get(), &one, sizeof(one));
}

// --- the end of the connection -------------------------------------------------------

void Connection::PeerGone() { Fail(DescribePeerEnd()); }

void Connection::DrainAndFail() {
  if (TryTakeReaderRole()) {
    while (!failed()) {
      expect_data_ = true;
      ReceiveAndDispatch(nullptr);
      if (!expect_data_) break;  // nothing more to read
    }
    ReleaseReaderRole();
  }
  PeerGone();
}

absl::Status Connection::DescribePeerEnd() {
  const std::string& name = options_.peer_name;
  if (!options_.peer_process.has_value()) {
    return absl::UnavailableError(absl::StrCat(name, " closed the connection"));
  }
  int pidfd = options_.peer_process->pidfd.get();
  // End-of-file can arrive before the exit is reported: give the pidfd a moment.
  pollfd exited{pidfd, POLLIN, 0};
  absl::StatusOr<int> ready = PollUntil({&exited, 1}, absl::Now() + kExitReportWait);
  if (!options_.peer_process->is_child) {
    bool gone = ready.ok() && *ready > 0;
    return absl::UnavailableError(absl::StrCat(name, gone ? " exited" : " closed the connection"));
  }
  absl::StatusOr<std::optional<ProcessEnd>> end = PeekProcessEnd(pidfd);
  if (end.ok() && end->has_value()) {
    return absl::UnavailableError(absl::StrCat(name, " ", DescribeProcessEnd(**end)));
  }
  return absl::UnavailableError(absl::StrCat(name, " closed the connection"));
}

void Connection::Fail(const absl::Status& status, bool say_goodbye) {
  FORKRPC_CHECK(!status.ok());
  {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return;
    failure_ = status;
    failure_for_new_calls_ =
        status.code() == absl::StatusCode::kUnavailable
            ? status
            : absl::UnavailableError(absl::StrCat("connection closed: ", status.message()));
    failed_.store(true, std::memory_order_release);
    if (handler_ != nullptr) handler_->FailCalls(status);
  }
  if (say_goodbye) {
    // Best effort and never blocking: the peer learns why before it sees the end.
    wire::Goodbye goodbye;
    goodbye.set_reason(std::string(status.message().substr(0, kMaxSetupErrorLength)));
    std::string packet(kFrameHeaderSize, '\0');
    goodbye.AppendToString(&packet);
    FrameHeader header;
    header.type = FrameType::kGoodbye;
    header.control_length = static_cast<uint32_t>(packet.size() - kFrameHeaderSize);
    EncodeFrameHeader(header, packet.data());
    iovec data{packet.data(), packet.size()};
    [[maybe_unused]] auto sent = SendPacket(socket_.get(), {&data, 1}, {});
  }
  // The peer sees end-of-file (SEQPACKET); a reader blocked in poll, and every idle
  // pool thread, wakes.
  ::shutdown(socket_.get(), SHUT_RDWR);
  WakeReader();
  WakeIdleThreads();
}

absl::Status Connection::FailureForNewCalls() const {
  absl::MutexLock lock(&mu_);
  return failure_for_new_calls_;
}

PeerCredentials Connection::peer_credentials() const {
  absl::MutexLock lock(&mu_);
  return peer_credentials_;
}

bool Connection::TryTakeReaderRole() {
  absl::MutexLock lock(&mu_);
  if (reader_active_) return false;
  reader_active_ = true;
  return true;
}

void Connection::EndReadingIfReady() {
  ReaderWait* wait = t_reader_wait_;
  if (wait == nullptr || wait->connection != this || wait->ended || !wait->ready()) return;
  reader_active_ = false;
  wait->left_at = DropReaderRole();
  wait->ended = true;
}

bool Connection::ClaimReaderRole() {
  if (reader_active_ || !failure_.ok()) return false;
  reader_active_ = true;
  return true;
}

void Connection::GiveBackReaderRole(bool* reading) {
  if (reading == nullptr || !*reading) return;
  *reading = false;
  ReleaseReaderRole();
}

void Connection::ReleaseReaderRole() {
  int64_t left_at;
  {
    absl::MutexLock lock(&mu_);
    reader_active_ = false;
    left_at = DropReaderRole();
  }
  if (left_at != 0) ArmWatchdogAfterDrop(left_at);
}

// --- stream messages -----------------------------------------------------------------

absl::Status Connection::DeliverMessage(CallState& call, const Frame& frame,
                                        std::vector<UniqueFd> fds) {
  MessageTarget claimed;
  {
    absl::MutexLock lock(&mu_);
    absl::Status status = DeliverMessageLocked(call, frame, &fds, &claimed);
    if (!status.ok() || claimed.message == nullptr) return status;
  }
  CompleteDelivery(call, claimed, frame, std::move(fds));
  return absl::OkStatus();
}

absl::Status Connection::DeliverMessageLocked(CallState& call, const Frame& frame,
                                              std::vector<UniqueFd>* fds, MessageTarget* claimed) {
  int64_t cost = MessageCost(frame.message.size());
  if (call.ended) return absl::OkStatus();  // late for a call that ended; fds close
  if (call.inbound_closed) {
    return ProtocolError(absl::StrCat("message on call ", call.id(), " after its end of stream"));
  }
  if (call.streaming()) {
    absl::Status status = call.receive_window.OnReceived(cost);
    if (!status.ok()) return status;
  }
  bool reader_waits = call.read_waiting && !call.read_filled && !call.delivering;
  if (!reader_waits || !call.inbound.empty()) {
    // Bytes the connection owns (assembled, mapped) move into the queue; a view into
    // the packet is copied, the packet buffer being the next packet's.
    MessageBytes bytes = dispatched_storage_ != nullptr && !dispatched_storage_->view().empty()
                             ? std::move(*dispatched_storage_)
                             : MessageBytes(std::string(frame.message));
    call.inbound.push_back(InboundMessage{std::move(bytes), std::move(*fds), cost});
    if (frame.header.has(kFlagEndOfStream)) call.inbound_closed = true;
    return absl::OkStatus();
  }
  *claimed = call.read_target;
  call.delivering = true;
  return absl::OkStatus();
}

void Connection::CompleteDelivery(CallState& call, const MessageTarget& target, const Frame& frame,
                                  std::vector<UniqueFd> fds) {
  // The owner is parked until `delivering` clears, so its target is ours to fill.
  bool parsed = target.ParseInto(frame.message, std::move(fds));
  absl::MutexLock lock(&mu_);
  call.delivering = false;
  call.read_filled = true;
  call.read_parsed = parsed;
  call.read_cost = MessageCost(frame.message.size());
  if (frame.header.has(kFlagEndOfStream)) call.inbound_closed = true;
}

absl::StatusOr<bool> Connection::ReadMessage(CallState& call, MessageTarget target,
                                             absl::Time deadline) {
  InboundMessage queued;
  bool have_queued = false;
  bool parsed = false;
  int64_t credit = 0;
  // Accounts for a message taken, in the same critical section that takes it.
  auto consume = [&](int64_t cost) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (call.streaming() && !call.ended) credit = call.receive_window.OnConsumed(cost);
  };
  {
    absl::MutexLock lock(&mu_);
    if (!call.inbound.empty()) {
      queued = call.inbound.pop_front();
      have_queued = true;
      consume(queued.cost);
    } else if (call.inbound_closed || call.ended) {
      return false;
    } else {
      call.read_target = target;
      call.read_waiting = true;
      call.read_filled = false;
    }
  }
  if (!have_queued) {
    auto arrived = [&call]() {
      return call.read_filled || call.inbound_closed || call.ended || !call.inbound.empty();
    };
    Await(arrived, deadline);
    absl::MutexLock lock(&mu_);
    auto delivered = [&call]() { return !call.delivering; };
    mu_.Await(absl::Condition(&delivered));
    call.read_waiting = false;
    call.read_target = MessageTarget{};
    if (call.read_filled) {
      call.read_filled = false;
      parsed = call.read_parsed;
      consume(call.read_cost);
    } else if (!call.inbound.empty()) {
      queued = call.inbound.pop_front();
      have_queued = true;
      consume(queued.cost);
    } else if (call.inbound_closed || call.ended) {
      return false;
    } else {
      return absl::DeadlineExceededError("deadline passed waiting for a message");
    }
  }
  if (have_queued) parsed = target.ParseInto(queued.bytes.view(), std::move(queued.fds));
  if (credit > 0) {
    wire::Credit grant;
    grant.set_bytes(static_cast<uint64_t>(credit));
    SendControl(FrameType::kCredit, call.id(), &grant);
  }
  if (!parsed) return absl::InternalError("received message does not parse");
  return true;
}

}  // namespace forkrpc::internal
