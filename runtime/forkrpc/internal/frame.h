// frame.h: encoding and checking frame headers. Pure functions over bytes: no I/O, no
// allocation, and every byte from the peer is checked here before anything uses it
// (tests/fuzz/frame_fuzz.cc feeds it garbage).
#ifndef FORKRPC_INTERNAL_FRAME_H_
#define FORKRPC_INTERNAL_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forkrpc/internal/frame_format.h"

namespace forkrpc::internal {

// The fixed header of one frame, decoded.
struct FrameHeader {
  FrameType type = FrameType::kMessage;
  uint8_t flags = 0;
  uint16_t fd_count = 0;
  uint32_t call_id = 0;
  uint32_t control_length = 0;
  uint32_t message_length = 0;

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

// One frame as it sits in a received packet; the views point into that packet.
struct Frame {
  FrameHeader header;
  absl::string_view control;
  // The message bytes when the message is in line; empty when out of line.
  absl::string_view message;
  // Whether the frame carries a message at all (a MESSAGE frame, or HAS_MESSAGE).
  bool has_message = false;
  // Set by the receiving connection when it refused the frame's message (over a size
  // limit, descriptors lost): the frame still ends or continues its call, but the
  // message is not there and the call fails with this status.
  absl::Status refused;
};

// Writes `header` into the first kFrameHeaderSize bytes of `out`.
void EncodeFrameHeader(const FrameHeader& header, char* out);

// A human-readable frame type ("CALL_START"), or "UNKNOWN" for a value that is none.
absl::string_view FrameTypeName(FrameType type);

// INTERNAL "protocol error: <what>": the peer broke the protocol. Every such status
// closes the connection.
absl::Status ProtocolError(absl::string_view what);

// The header fields of the kFrameHeaderSize bytes at `bytes`, unchecked: for peeking
// at a packet before deciding where to receive it.
FrameHeader ReadFrameHeader(const char* bytes);

// Decodes and checks the frame in `packet`, which arrived with `fds_received`
// descriptors (nullopt when the kernel dropped some, so the count cannot be checked).
// Any violation is INTERNAL with a message starting "protocol error: " that names the
// field, its value and the rule it broke.
absl::StatusOr<Frame> DecodeFrame(absl::string_view packet, std::optional<size_t> fds_received);

// Whether a frame of `type` may ride in a BATCH: a call's frames, whose message (if any)
// must then be in line. The others need a packet of their own: descriptors, the
// hello's credentials, a chunk received in place.
bool MayBeBatched(FrameType type);

// Decodes and checks the first of the frames in `rest`, the unread part of a BATCH
// frame's message, and removes it from `rest`. Errors as DecodeFrame's; a batched frame
// carries no descriptors.
absl::StatusOr<Frame> DecodeBatchedFrame(absl::string_view* rest);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_FRAME_H_
