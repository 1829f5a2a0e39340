// flow_control.h: credit-based flow control for one direction of one stream, so a
// stream whose reader stopped reading holds at most a window of buffered messages and
// never stalls the socket that other calls share. Credit is counted in bytes: a
// message costs its size plus kMessageOverhead, so even empty messages are bounded.
// A sender may send while it has any credit left (the message may overdraw it); the
// receiver returns credit as its application consumes messages, half a window at a
// time (docs/wire-format.md, "Flow control").
#ifndef FORKRPC_INTERNAL_FLOW_CONTROL_H_
#define FORKRPC_INTERNAL_FLOW_CONTROL_H_

#include <cstdint>

#include "absl/status/status.h"

namespace forkrpc::internal {

// The credit each direction of a stream starts with.
inline constexpr int64_t kStreamWindow = int64_t{256} << 10;
// What a message costs beyond its bytes: about the memory a queued message takes.
inline constexpr int64_t kMessageOverhead = 64;

inline int64_t MessageCost(uint64_t message_size) {
  return kMessageOverhead + static_cast<int64_t>(message_size);
}

// The sender's side: how much it may still send. Thread-compatible.
class SendCredit {
 public:
  bool CanSend() const { return available_ > 0; }
  void Spend(int64_t cost) { available_ -= cost; }
  // Adds credit the peer returned. Returning more than was spent is a protocol error.
  absl::Status Grant(uint64_t bytes);

 private:
  int64_t available_ = kStreamWindow;
};

// The receiver's side: what the peer has sent and what to return. Thread-compatible.
class ReceiveWindow {
 public:
  // Accounts for a message of `cost` from the peer. A message sent without credit is a
  // protocol error.
  absl::Status OnReceived(int64_t cost);
  // Accounts for a message the application consumed; returns the credit to send back
  // now, or 0 while less than half a window has been consumed.
  int64_t OnConsumed(int64_t cost);

 private:
  int64_t outstanding_ = 0;  // received and not yet returned as credit
  int64_t consumed_ = 0;     // consumed and not yet returned as credit
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_FLOW_CONTROL_H_
