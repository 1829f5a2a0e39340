// frame_format.h: the constants of the forkrpc wire format, and nothing else. The
// format itself, with diagrams and worked examples, is docs/wire-format.md; change the
// two together.
#ifndef FORKRPC_INTERNAL_FRAME_FORMAT_H_
#define FORKRPC_INTERNAL_FRAME_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace forkrpc::internal {

// Bumped on any change a peer of the previous version would misread.
inline constexpr uint32_t kProtocolVersion = 3;

// The fixed header that starts every packet, all fields little-endian:
//   type (1) + flags (1) + fd count (2) + call id (4) + control length (4) +
//   message length (4).
inline constexpr size_t kFrameHeaderSize = 1 + 1 + 2 + 4 + 4 + 4;
inline constexpr size_t kTypeOffset = 0;
inline constexpr size_t kFlagsOffset = 1;
inline constexpr size_t kFdCountOffset = 2;
inline constexpr size_t kCallIdOffset = 4;
inline constexpr size_t kControlLengthOffset = 8;
inline constexpr size_t kMessageLengthOffset = 12;

enum class FrameType : uint8_t {
  kHello = 1,      // control: wire.Hello; call id 0
  kCallStart = 2,  // control: wire.CallStart; may carry the first request
  kMessage = 3,    // control: empty, or wire.ServerHeaders on a server's first message
  kHalfClose = 4,  // client sends no more messages
  kStatus = 5,     // control: wire.CallStatus; may carry the unary response
  kCancel = 6,     // client gives the call up
  kCredit = 7,     // control: wire.Credit
  kGoodbye = 8,    // control: wire.Goodbye; call id 0
  kChunk = 9,      // part of a chunked message; the first's control: wire.ChunkStart
  // The sender's next packet that carries descriptors follows; empty, call id 0. The
  // receiver reads with room for descriptors only while such packets are announced.
  kDescriptorsNext = 10,
  // Several call frames in one packet, back to back, each with its header; call id 0,
  // no control section, the frames as its message. Saves the kernel a packet per frame
  // when a sender has many ready at once.
  kBatch = 11,
};
inline constexpr uint8_t kLastFrameType = static_cast<uint8_t>(FrameType::kBatch);

// Flag bits.
// The sender sends no more messages on this call after this frame's (CALL_START,
// MESSAGE): a half-close riding on the last message.
inline constexpr uint8_t kFlagEndOfStream = 0x01;
// The frame carries a message section, possibly empty (CALL_START, STATUS; MESSAGE
// always does). An empty message serializes to zero bytes, so length alone cannot say.
inline constexpr uint8_t kFlagHasMessage = 0x02;
// The message is out of line: in a sealed memfd, the frame's first descriptor, whose
// size the message length gives; the packet holds no message bytes.
inline constexpr uint8_t kFlagOutOfLine = 0x04;
// The message, and descriptors beyond what one packet carries, came before this frame
// in CHUNK frames of the same call; the message length gives the message's size and
// the packet holds no message bytes.
inline constexpr uint8_t kFlagChunked = 0x08;
inline constexpr uint8_t kKnownFlags =
    kFlagEndOfStream | kFlagHasMessage | kFlagOutOfLine | kFlagChunked;

// The smallest and largest packet limits a hello may announce. Below the minimum a
// hello with metadata could not fit; above the maximum the kernel could not send it
// (the largest SO_SNDBUF is 2 GiB, but no receiver should allocate that on a word).
inline constexpr uint32_t kMinPacketSize = 4096;
inline constexpr uint32_t kMaxPacketSize = 64u << 20;

// The receive buffer used before the peer's hello says how large its packets are.
inline constexpr uint32_t kHelloBufferSize = kMinPacketSize;

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_FRAME_FORMAT_H_
