// The sending half of Connection (connection.h): frames in one packet, in chunks or in
// a sealed memfd, and the queue of control frames that must not wait. Sends need no
// turn: a packet is queued whole or not at all (SEQPACKET and DGRAM), and the frames of
// one call come from one thread, in order; those of different calls may interleave.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/sealed_memfd.h"
#include "forkrpc/internal/socket_io.h"
#include "forkrpc/wire.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace forkrpc::internal {
namespace {

// Each thread builds its frames in buffers of its own that only grow, so a steady stream
// of calls allocates nothing per frame and a big message reuses warm pages: `t_packet`
// for a frame's header, control and in-line message; `t_message` for a message sent in
// chunks and serialized whole, `t_chunk` for one serialized a chunk at a time.
thread_local LargeBuffer t_packet;
thread_local LargeBuffer t_message;
thread_local LargeBuffer t_chunk;

// The biggest message sent in chunks that is serialized whole before its first chunk
// goes (SendChunked): about the size of a CPU's second-level cache.
constexpr size_t kSerializedWholeUpTo = 2 << 20;

// The most a CHUNK frame's head takes: the header and a ChunkStart.
constexpr size_t kChunkHeadRoom = kFrameHeaderSize + 32;

// The most a BATCH packet holds: enough for hundreds of small frames; a frame too big to
// share goes alone.
constexpr size_t kMaxBatchBytes = 64 << 10;

// The batch this thread collects (Connection::BeginBatch), at most one per thread, on
// Connection::batch_owner_.
struct OpenBatch {
  // A BATCH header's room, then the frames; kept from batch to batch.
  std::vector<char> bytes = std::vector<char>(kFrameHeaderSize);
  int frames = 0;
  // The ids of the batched frames whose loss their calls must hear of.
  std::vector<uint32_t> call_ids;
  // How long a send of the batch may wait for room: the latest deadline among them.
  absl::Time deadline = absl::InfinitePast();
  std::vector<uint32_t> unsent;  // ids of frames whose packet failed
  absl::Status error;            // why the first of them failed

  // Empties it of frames, once they are sent or given up.
  void DropFrames() {
    frames = 0;
    bytes.resize(kFrameHeaderSize);
    call_ids.clear();
    deadline = absl::InfinitePast();
  }
};
thread_local OpenBatch t_batch;

}  // namespace

absl::StatusOr<Connection::Plan> Connection::PlanFrame(const OutgoingFrame& frame) {
  Plan plan;
  plan.control_size =
      frame.control != nullptr ? frame.control->ByteSizeLong() : frame.control_bytes.size();
  if (frame.message != nullptr) {
    plan.message_size = frame.message->ByteSizeLong();
    int64_t limit = options_.max_message_size;
    int64_t peer_limit = peer_max_message_size_.load(std::memory_order_acquire);
    if (peer_limit > 0 && peer_limit < limit) limit = peer_limit;
    if (plan.message_size > static_cast<uint64_t>(limit)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "message of ", plan.message_size, " bytes exceeds the limit of ", limit, " bytes"));
    }
  }
  if (frame.fds.size() > kMaxFdsPerMessage) {
    return absl::ResourceExhaustedError(absl::StrCat("message with ", frame.fds.size(),
                                                     " descriptors exceeds the limit of ",
                                                     kMaxFdsPerMessage));
  }
  if (kFrameHeaderSize + plan.control_size + kChunkHeadRoom > max_packet_size_) {
    return absl::ResourceExhaustedError(absl::StrCat("control section of ", plan.control_size,
                                                     " bytes (metadata?) does not fit the packet "
                                                     "limit of ",
                                                     max_packet_size_, " bytes"));
  }
  bool fits = kFrameHeaderSize + plan.control_size + plan.message_size <= max_packet_size_ &&
              frame.fds.size() <= static_cast<size_t>(kMaxFdsPerPacket);
  if (fits) {
    plan.path = Path::kInLine;
  } else if (frame.message != nullptr &&
             static_cast<int64_t>(plan.message_size) >= options_.memfd_threshold &&
             frame.fds.size() < static_cast<size_t>(kMaxFdsPerPacket)) {
    plan.path = Path::kMemfd;
  } else {
    plan.path = Path::kChunked;
  }
  return plan;
}

FrameHeader Connection::HeaderFor(const OutgoingFrame& frame, const Plan& plan, uint8_t path_flag,
                                  size_t fd_count) {
  FrameHeader header;
  header.type = frame.type;
  header.flags = frame.flags | path_flag;
  if (frame.message != nullptr && frame.type != FrameType::kMessage) {
    header.flags |= kFlagHasMessage;
  }
  header.fd_count = static_cast<uint16_t>(fd_count);
  header.call_id = frame.call_id;
  header.control_length = static_cast<uint32_t>(plan.control_size);
  header.message_length = static_cast<uint32_t>(plan.message_size);
  return header;
}

size_t Connection::EncodeHead(const OutgoingFrame& frame, const FrameHeader& header,
                              size_t control_size, char* out) {
  EncodeFrameHeader(header, out);
  if (frame.control != nullptr) {
    frame.control->SerializeWithCachedSizesToArray(
        reinterpret_cast<uint8_t*>(out + kFrameHeaderSize));
  } else if (!frame.control_bytes.empty()) {
    memcpy(out + kFrameHeaderSize, frame.control_bytes.data(), frame.control_bytes.size());
  }
  return kFrameHeaderSize + control_size;
}

absl::Status Connection::Send(const OutgoingFrame& frame, absl::Time deadline, bool batchable,
                              bool* reading) {
  if (failed()) {
    GiveBackReaderRole(reading);
    return FailureForNewCalls();
  }
  absl::StatusOr<Plan> plan = PlanFrame(frame);
  if (plan.ok() && batch_owner_ != this && plan->path == Path::kInLine && frame.fds.empty() &&
      !control_queued_.load(std::memory_order_acquire)) {
    return SendInLine(frame, *plan, deadline, reading);
  }
  GiveBackReaderRole(reading);
  if (!plan.ok()) return plan.status();
  if (batchable && batch_owner_ == this &&
      AddToBatch(frame, *plan, deadline, /*control=*/false)) {
    return absl::OkStatus();
  }
  return SendPlanned(frame, *plan, deadline);
}

iovec Connection::EncodeInLine(const OutgoingFrame& frame, const Plan& plan) {
  char* packet = t_packet.Reserve(kFrameHeaderSize + plan.control_size + plan.message_size);
  size_t size =
      EncodeHead(frame, HeaderFor(frame, plan, 0, frame.fds.size()), plan.control_size, packet);
  if (frame.message != nullptr) {
    frame.message->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(packet + size));
    size += plan.message_size;
  }
  return iovec{packet, size};
}

absl::Status Connection::SendInLine(const OutgoingFrame& frame, const Plan& plan,
                                    absl::Time deadline, bool* reading) {
  iovec data = EncodeInLine(frame, plan);
  // Usually the packet goes at once. If not (the socket is full, a signal came, the
  // peer left), nothing of it went, and the general path sends it again and waits,
  // reads or fails as the case needs.
  if (SendBytes(socket_.get(), data.iov_base, data.iov_len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
    return absl::OkStatus();
  }
  GiveBackReaderRole(reading);
  return SendPacketWaiting({&data, 1}, {}, /*with_credentials=*/false, deadline);
}

// --- batches -------------------------------------------------------------------------

bool Connection::BeginBatch() {
  if (batch_owner_ != nullptr) return false;
  batch_owner_ = this;
  return true;
}

absl::Status Connection::EndBatch(std::vector<uint32_t>* unsent) {
  FlushBatch();
  OpenBatch& batch = t_batch;
  unsent->insert(unsent->end(), batch.unsent.begin(), batch.unsent.end());
  absl::Status error = std::move(batch.error);
  ForgetBatch();
  return error;
}

void Connection::ForgetBatch() {
  if (batch_owner_ != this) return;
  batch_owner_ = nullptr;
  OpenBatch& batch = t_batch;
  batch.DropFrames();
  batch.unsent.clear();
  batch.error = absl::OkStatus();
}

bool Connection::AddToBatch(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline,
                            bool control) {
  size_t size = kFrameHeaderSize + plan.control_size + plan.message_size;
  size_t limit = std::min<size_t>(kMaxBatchBytes, max_packet_size_);
  if (plan.path != Path::kInLine || !frame.fds.empty() || !MayBeBatched(frame.type) ||
      kFrameHeaderSize + size > limit) {
    return false;
  }
  OpenBatch& batch = t_batch;
  if (batch.bytes.size() + size > limit) {
    if (control) return false;  // it must not wait for the batch to go
    FlushBatch();
  }
  size_t at = batch.bytes.size();
  batch.bytes.resize(at + size);
  char* out = batch.bytes.data() + at;
  size_t head = EncodeHead(frame, HeaderFor(frame, plan, 0, 0), plan.control_size, out);
  if (frame.message != nullptr) {
    frame.message->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out + head));
  }
  ++batch.frames;
  if (!control) batch.call_ids.push_back(frame.call_id);
  batch.deadline = std::max(batch.deadline, deadline);
  return true;
}

void Connection::FlushBatch() {
  if (batch_owner_ != this) return;
  OpenBatch& batch = t_batch;
  if (batch.frames == 0) return;
  iovec data;
  if (batch.frames == 1) {
    // One frame goes as itself.
    data = {batch.bytes.data() + kFrameHeaderSize, batch.bytes.size() - kFrameHeaderSize};
  } else {
    FrameHeader header;
    header.type = FrameType::kBatch;
    header.message_length = static_cast<uint32_t>(batch.bytes.size() - kFrameHeaderSize);
    EncodeFrameHeader(header, batch.bytes.data());
    data = {batch.bytes.data(), batch.bytes.size()};
  }
  absl::Status status = SendFramePacket({&data, 1}, {}, batch.deadline);
  if (!status.ok()) {
    batch.unsent.insert(batch.unsent.end(), batch.call_ids.begin(), batch.call_ids.end());
    if (batch.error.ok()) batch.error = std::move(status);
  }
  batch.DropFrames();
}

absl::Status Connection::SendPlanned(const OutgoingFrame& frame, const Plan& plan,
                                     absl::Time deadline) {
  if (batch_owner_ == this) FlushBatch();  // this thread's frames keep their order
  if (plan.path == Path::kChunked) return SendChunked(frame, plan, deadline);
  if (plan.path == Path::kMemfd) return SendViaMemfd(frame, plan, deadline);
  iovec data = EncodeInLine(frame, plan);
  return SendFramePacket({&data, 1}, frame.fds, deadline);
}

// Sends a message's bytes as CHUNK frames of at most a packet each, from a buffer the
// message was serialized into whole (SendWhole) or as protobuf's serializer writes them
// (as a ZeroCopyOutputStream: what Next handed out is final once the serializer asks for
// more or is done, and then goes as one chunk). The second way passes a big message's
// bytes from the serializer to the kernel through one packet's worth of memory that stays
// in the CPU's cache, where a whole buffer of many megabytes would be read back from main
// memory. Descriptors go at most kMaxFdsPerPacket to a frame; every chunk but the last
// carries bytes or descriptors the end frame cannot.
class Connection::ChunkWriter final : public google::protobuf::io::ZeroCopyOutputStream {
 public:
  ChunkWriter(Connection& connection, const OutgoingFrame& frame, const Plan& plan,
              absl::Time deadline)
      : connection_(connection), frame_(frame), deadline_(deadline) {
    start_.set_message_size(plan.message_size);
    start_.set_fd_count(static_cast<uint32_t>(frame.fds.size()));
  }

  // Sends `size` bytes serialized beforehand.
  void SendWhole(const char* bytes, size_t size) {
    while (size > 0 && status_.ok()) {
      size_t part = std::min(size, Room());
      SendChunk(bytes, part);
      bytes += part;
      size -= part;
    }
  }

  bool Next(void** data, int* size) override {
    if (room_ == nullptr) room_ = t_chunk.Reserve(connection_.max_packet_size_);
    if (filled_ > 0 && !SendChunk(room_, filled_)) return false;
    *data = room_;
    filled_ = Room();
    *size = static_cast<int>(filled_);
    return true;
  }
  void BackUp(int count) override { filled_ -= static_cast<size_t>(count); }
  int64_t ByteCount() const override { return static_cast<int64_t>(sent_bytes_ + filled_); }

  // Sends what the serializer left in the last buffer, and then chunks of descriptors
  // alone while more remain than the end frame can carry. The first failure, if any.
  absl::Status Finish() {
    while (status_.ok() && (first_ || filled_ > 0 || FdsLeft() > kFdsPerPacket)) {
      SendChunk(room_, filled_);
    }
    return status_;
  }
  size_t sent_bytes() const { return sent_bytes_; }
  size_t sent_fds() const { return sent_fds_; }

 private:
  static constexpr size_t kFdsPerPacket = kMaxFdsPerPacket;

  // The most bytes the next chunk carries.
  size_t Room() const {
    return connection_.max_packet_size_ - kFrameHeaderSize - (first_ ? start_.ByteSizeLong() : 0);
  }
  size_t FdsLeft() const { return frame_.fds.size() - sent_fds_; }

  // Sends `size` bytes at `bytes` as one CHUNK frame; false if it failed.
  bool SendChunk(const char* bytes, size_t size) {
    char head[kChunkHeadRoom];
    FrameHeader header;
    header.type = FrameType::kChunk;
    header.call_id = frame_.call_id;
    size_t head_size = kFrameHeaderSize;
    if (first_) {
      header.control_length = static_cast<uint32_t>(start_.ByteSizeLong());
      start_.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(head + kFrameHeaderSize));
      head_size += header.control_length;
    }
    size_t fds = FdsLeft() > kFdsPerPacket ? kFdsPerPacket : 0;
    header.message_length = static_cast<uint32_t>(size);
    header.fd_count = static_cast<uint16_t>(fds);
    EncodeFrameHeader(header, head);
    iovec data[2] = {{head, head_size}, {const_cast<char*>(bytes), size}};
    status_ = connection_.SendFramePacket(data, frame_.fds.subspan(sent_fds_, fds), deadline_);
    if (!status_.ok()) return false;
    sent_bytes_ += size;
    sent_fds_ += fds;
    filled_ = 0;
    first_ = false;
    return true;
  }

  Connection& connection_;
  const OutgoingFrame& frame_;
  const absl::Time deadline_;
  wire::ChunkStart start_;
  bool first_ = true;       // the next chunk is the first, which carries start_
  char* room_ = nullptr;    // where the serializer writes, once it asked
  size_t filled_ = 0;       // bytes of room_ the serializer wrote, once it moved on
  size_t sent_bytes_ = 0;
  size_t sent_fds_ = 0;
  absl::Status status_;
};

// Sends the message in CHUNK frames (ChunkWriter), between which other calls' frames may
// pass, and ends with the frame itself, flagged CHUNKED. A message of up to
// kSerializedWholeUpTo bytes is serialized whole first: a buffer that size stays in cache
// anyway, and there one long copy beat a copy per chunk (docs/performance.md, the
// profiles of big messages).
absl::Status Connection::SendChunked(const OutgoingFrame& frame, const Plan& plan,
                                     absl::Time deadline) {
  absl::Status enlarged = EnlargeSendBuffer();
  if (!enlarged.ok()) return enlarged;
  ChunkWriter writer(*this, frame, plan, deadline);
  if (frame.message != nullptr && plan.message_size > kSerializedWholeUpTo) {
    // `coded` gives back to the writer what it did not fill as it goes, at the brace.
    google::protobuf::io::CodedOutputStream coded(&writer);
    frame.message->SerializeWithCachedSizes(&coded);
  } else if (frame.message != nullptr) {
    char* whole = t_message.Reserve(std::max<size_t>(plan.message_size, 1));
    frame.message->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(whole));
    writer.SendWhole(whole, plan.message_size);
  }
  absl::Status status = writer.Finish();
  if (!status.ok()) return status;
  if (writer.sent_bytes() != plan.message_size) {
    return absl::InternalError(absl::StrCat("message serialized to ", writer.sent_bytes(),
                                            " bytes where it measured ", plan.message_size,
                                            ": was it changed while it was being sent?"));
  }
  FrameHeader header = HeaderFor(frame, plan, kFlagChunked, frame.fds.size() - writer.sent_fds());
  char* packet = t_packet.Reserve(kFrameHeaderSize + plan.control_size);
  iovec data{packet, EncodeHead(frame, header, plan.control_size, packet)};
  return SendFramePacket({&data, 1}, frame.fds.subspan(writer.sent_fds()), deadline);
}

absl::Status Connection::SendViaMemfd(const OutgoingFrame& frame, const Plan& plan,
                                      absl::Time deadline) {
  absl::StatusOr<UniqueFd> memfd = CreateSealedMemfd(plan.message_size, [&](char* out) {
    frame.message->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out));
  });
  if (!memfd.ok()) return Annotate(memfd.status(), "out-of-line message");
  std::vector<int> fds;
  fds.reserve(frame.fds.size() + 1);
  fds.push_back(memfd->get());
  fds.insert(fds.end(), frame.fds.begin(), frame.fds.end());
  FrameHeader header = HeaderFor(frame, plan, kFlagOutOfLine, fds.size());
  char* packet = t_packet.Reserve(kFrameHeaderSize + plan.control_size);
  iovec data{packet, EncodeHead(frame, header, plan.control_size, packet)};
  return SendFramePacket({&data, 1}, fds, deadline);  // our copy of the memfd closes here
}

absl::Status Connection::SendFramePacket(absl::Span<const iovec> data, absl::Span<const int> fds,
                                         absl::Time deadline) {
  // Control frames that waited for room go first, if there are any.
  if (control_queued_.load(std::memory_order_acquire)) FlushControlQueue();
  if (!fds.empty()) {
    // The peer receives without room for descriptors unless told to make some. Should
    // the packet itself then fail to go, the peer only reads with room for longer.
    char notice[kFrameHeaderSize];
    FrameHeader header;
    header.type = FrameType::kDescriptorsNext;
    EncodeFrameHeader(header, notice);
    iovec notice_data{notice, sizeof(notice)};
    absl::Status status = SendPacketWaiting({&notice_data, 1}, {}, false, deadline);
    if (!status.ok()) return status;
  }
  return SendPacketWaiting(data, fds, false, deadline);
}

absl::Status Connection::SendStreamMessage(CallState& call, OutgoingFrame frame,
                                           absl::Time deadline) {
  // Sizes and limits first: a message over the limit fails without waiting for credit.
  absl::StatusOr<Plan> plan = PlanFrame(frame);
  if (!plan.ok()) return plan.status();
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (call.ended) return absl::FailedPreconditionError("the call has ended");
      if (call.send_credit.CanSend()) {
        call.send_credit.Spend(MessageCost(plan->message_size));
        break;
      }
    }
    auto can_send = [&call]() { return call.send_credit.CanSend() || call.ended; };
    if (Await(can_send, deadline) == AwaitResult::kTimeout) {
      return absl::DeadlineExceededError("deadline passed waiting for flow-control credit");
    }
  }
  if (failed()) return FailureForNewCalls();
  return SendPlanned(frame, *plan, deadline);
}

absl::Status Connection::SendPacketWaiting(absl::Span<const iovec> data, absl::Span<const int> fds,
                                           bool with_credentials, absl::Time deadline) {
  for (;;) {
    absl::StatusOr<IoProgress> progress = SendPacket(socket_.get(), data, fds, with_credentials);
    if (!progress.ok()) {
      if (progress.status().code() == absl::StatusCode::kUnavailable) {
        DrainAndFail();
        return FailureForNewCalls();
      }
      return Annotate(progress.status(), "send frame");
    }
    if (*progress == IoProgress::kDone) return absl::OkStatus();

    // The socket is full. Wait for room, and read meanwhile if no one else is: the peer
    // may itself be blocked sending to us.
    bool reading = TryTakeReaderRole();
    if (reading && !batch_rest_.empty()) {
      // Frames of a BATCH wait in the buffer already: dispatch one, then try again.
      Work work;
      ReceiveAndDispatch(&work);
      if (work) handler_->Schedule(std::move(work));
      ReleaseReaderRole();
      continue;
    }
    pollfd poll_fds[2] = {{socket_.get(), static_cast<short>(POLLOUT | (reading ? POLLIN : 0)), 0},
                          {-1, POLLIN, 0}};
    if (options_.peer_process.has_value()) poll_fds[1].fd = options_.peer_process->pidfd.get();
    absl::StatusOr<int> ready = PollUntil(poll_fds, deadline);
    if (reading) {
      if (ready.ok() && (poll_fds[0].revents & POLLIN) != 0) {
        Work work;
        ReceiveAndDispatch(&work);
        if (work) handler_->Schedule(std::move(work));
      }
      ReleaseReaderRole();
    }
    if (!ready.ok()) return Annotate(ready.status(), "wait to send");
    if (poll_fds[1].revents != 0 && (poll_fds[0].revents & POLLOUT) == 0) PeerGone();
    if (failed()) return FailureForNewCalls();
    if (*ready == 0) {
      return absl::DeadlineExceededError("deadline passed while the socket was full");
    }
  }
}

void Connection::SendControl(FrameType type, uint32_t call_id,
                             const google::protobuf::MessageLite* control) {
  if (failed()) return;
  if (batch_owner_ == this && t_batch.frames > 0) {
    // Behind the batch's frames, which may start the call it is about; it goes when
    // they go.
    OutgoingFrame frame;
    frame.type = type;
    frame.call_id = call_id;
    frame.control = control;
    Plan plan;
    plan.control_size = control != nullptr ? control->ByteSizeLong() : 0;
    if (AddToBatch(frame, plan, absl::InfinitePast(), /*control=*/true)) return;
  }
  std::string packet(kFrameHeaderSize, '\0');
  if (control != nullptr) control->AppendToString(&packet);
  FrameHeader header;
  header.type = type;
  header.call_id = call_id;
  header.control_length = static_cast<uint32_t>(packet.size() - kFrameHeaderSize);
  EncodeFrameHeader(header, packet.data());
  {
    absl::MutexLock lock(&send_mu_);
    control_queue_.push_back(std::move(packet));
    control_queued_.store(true, std::memory_order_release);
  }
  FlushControlQueue();
}

void Connection::FlushControlQueue(Flusher flusher) {
  std::vector<std::string> queue;
  {
    absl::MutexLock lock(&send_mu_);
    queue.swap(control_queue_);
    control_queued_.store(false, std::memory_order_release);
  }
  size_t sent = 0;
  for (; sent < queue.size(); ++sent) {
    iovec data{queue[sent].data(), queue[sent].size()};
    absl::StatusOr<IoProgress> progress = SendPacket(socket_.get(), {&data, 1}, {});
    if (!progress.ok()) return;  // the connection is failing; the frames are moot
    if (*progress == IoProgress::kWouldBlock) break;
  }
  if (sent == queue.size()) return;
  // Keep what did not fit, ahead of anything queued meanwhile; the thread watching the
  // socket sends it when there is room, and, when it may be blocked in a receive
  // without slice, the idle pool threads retry every so often.
  {
    absl::MutexLock lock(&send_mu_);
    control_queue_.insert(control_queue_.begin(), std::make_move_iterator(queue.begin() + sent),
                          std::make_move_iterator(queue.end()));
    control_queued_.store(true, std::memory_order_release);
  }
  if (flusher == Flusher::kReader) return;
  WakeReader();
  if (!receive_slice_ && flusher != Flusher::kIdleThread) WakeIdleThreads();
}

}  // namespace forkrpc::internal
