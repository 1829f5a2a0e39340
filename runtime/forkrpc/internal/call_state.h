// call_state.h: what one call holds at one end of a connection that both the thread
// running the call and the thread reading the socket touch: received messages waiting
// to be read, the target a waiting reader parked for the next one, flow control, and
// whether the call has ended. The client's and server's calls extend it with their
// own state (client_call.h, server_call.h).
#ifndef FORKRPC_INTERNAL_CALL_STATE_H_
#define FORKRPC_INTERNAL_CALL_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "forkrpc/internal/flow_control.h"
#include "forkrpc/internal/message_bytes.h"
#include "forkrpc/unique_fd.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc::internal {

// Where a received message goes: parsed into `message`, its descriptors into `fds`
// (when `fds` is null they stay with the caller of ParseInto, which closes them).
struct MessageTarget {
  google::protobuf::MessageLite* message = nullptr;
  std::vector<UniqueFd>* fds = nullptr;

  // Parses `bytes` into `message` and hands over `received`, which replace whatever
  // `fds` held; false if the bytes do not parse.
  bool ParseInto(absl::string_view bytes, std::vector<UniqueFd>&& received) const {
    if (fds != nullptr) *fds = std::move(received);
    return message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
};

// A received message no one was waiting for, kept until it is read.
struct InboundMessage {
  MessageBytes bytes;
  std::vector<UniqueFd> fds;
  int64_t cost = 0;
};

// Received messages in arrival order. A vector with a read position rather than a
// std::deque, whose constructor allocates: most calls never queue anything.
class InboundQueue {
 public:
  bool empty() const { return head_ == messages_.size(); }
  void push_back(InboundMessage message) { messages_.push_back(std::move(message)); }
  InboundMessage pop_front() {
    InboundMessage message = std::move(messages_[head_++]);
    if (empty()) {
      messages_.clear();
      head_ = 0;
    }
    return message;
  }

 private:
  std::vector<InboundMessage> messages_;
  size_t head_ = 0;
};

// Every member but id() and streaming() is guarded by the mutex of the Connection the
// call belongs to.
class CallState {
 public:
  CallState(uint32_t id, bool streaming) : id_(id), streaming_(streaming) {}
  virtual ~CallState() = default;

  uint32_t id() const { return id_; }
  // Streaming calls are flow controlled; unary ones carry one message each way.
  bool streaming() const { return streaming_; }

  // Messages that arrived while no reader waited, oldest first.
  InboundQueue inbound;
  // The peer sends no more messages.
  bool inbound_closed = false;
  // The call is over at this end: no more frames are sent or expected for it.
  bool ended = false;

  // Set by a reader waiting for the next message; the receiving thread parses into it
  // directly, sets `read_filled`, and stores the outcome in `read_parsed` and
  // `read_cost`.
  MessageTarget read_target;
  bool read_waiting = false;
  bool read_filled = false;
  bool read_parsed = false;
  int64_t read_cost = 0;

  // A receiving thread is parsing into one of this call's targets without the lock;
  // the call's owner must wait for it to finish before giving the target up.
  bool delivering = false;

  SendCredit send_credit;
  ReceiveWindow receive_window;

 private:
  const uint32_t id_;
  const bool streaming_;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CALL_STATE_H_
