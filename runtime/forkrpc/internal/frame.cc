#include "forkrpc/internal/frame.h"

#include "absl/strings/str_cat.h"

namespace forkrpc::internal {
namespace {

// Little-endian loads and stores, byte by byte, so the format is the same on any host.
uint16_t Load16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | b[1] << 8);
}

uint32_t Load32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

void Store16(char* p, uint16_t value) {
  p[0] = static_cast<char>(value);
  p[1] = static_cast<char>(value >> 8);
}

void Store32(char* p, uint32_t value) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(value >> (8 * i));
}

// The flags a frame of `type` may carry.
uint8_t AllowedFlags(FrameType type) {
  switch (type) {
    case FrameType::kCallStart:
      return kFlagEndOfStream | kFlagHasMessage | kFlagOutOfLine | kFlagChunked;
    case FrameType::kMessage:
      return kFlagEndOfStream | kFlagOutOfLine | kFlagChunked;
    case FrameType::kStatus:
      return kFlagHasMessage | kFlagOutOfLine | kFlagChunked;
    default:
      return 0;
  }
}

// Whether frames of `type` belong to a call (nonzero id) or to the connection (id 0).
bool IsConnectionFrame(FrameType type) {
  return type == FrameType::kHello || type == FrameType::kGoodbye ||
         type == FrameType::kDescriptorsNext || type == FrameType::kBatch;
}

}  // namespace

bool MayBeBatched(FrameType type) {
  switch (type) {
    case FrameType::kCallStart:
    case FrameType::kMessage:
    case FrameType::kHalfClose:
    case FrameType::kStatus:
    case FrameType::kCancel:
    case FrameType::kCredit:
      return true;
    default:
      return false;
  }
}

absl::Status ProtocolError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("protocol error: ", what));
}

void EncodeFrameHeader(const FrameHeader& header, char* out) {
  out[kTypeOffset] = static_cast<char>(header.type);
  out[kFlagsOffset] = static_cast<char>(header.flags);
  Store16(out + kFdCountOffset, header.fd_count);
  Store32(out + kCallIdOffset, header.call_id);
  Store32(out + kControlLengthOffset, header.control_length);
  Store32(out + kMessageLengthOffset, header.message_length);
}

absl::string_view FrameTypeName(FrameType type) {
  switch (type) {
    case FrameType::kHello:
      return "HELLO";
    case FrameType::kCallStart:
      return "CALL_START";
    case FrameType::kMessage:
      return "MESSAGE";
    case FrameType::kHalfClose:
      return "HALF_CLOSE";
    case FrameType::kStatus:
      return "STATUS";
    case FrameType::kCancel:
      return "CANCEL";
    case FrameType::kCredit:
      return "CREDIT";
    case FrameType::kGoodbye:
      return "GOODBYE";
    case FrameType::kChunk:
      return "CHUNK";
    case FrameType::kDescriptorsNext:
      return "DESCRIPTORS_NEXT";
    case FrameType::kBatch:
      return "BATCH";
  }
  return "UNKNOWN";
}

FrameHeader ReadFrameHeader(const char* p) {
  FrameHeader header;
  header.type = static_cast<FrameType>(static_cast<uint8_t>(p[kTypeOffset]));
  header.flags = static_cast<uint8_t>(p[kFlagsOffset]);
  header.fd_count = Load16(p + kFdCountOffset);
  header.call_id = Load32(p + kCallIdOffset);
  header.control_length = Load32(p + kControlLengthOffset);
  header.message_length = Load32(p + kMessageLengthOffset);
  return header;
}

absl::StatusOr<Frame> DecodeFrame(absl::string_view packet, std::optional<size_t> fds_received) {
  if (packet.size() < kFrameHeaderSize) {
    return ProtocolError(absl::StrCat("packet of ", packet.size(), " bytes is shorter than the ",
                                      kFrameHeaderSize, "-byte frame header"));
  }
  const char* p = packet.data();
  uint8_t raw_type = static_cast<uint8_t>(p[kTypeOffset]);
  if (raw_type == 0 || raw_type > kLastFrameType) {
    return ProtocolError(absl::StrCat("unknown frame type ", raw_type));
  }
  Frame frame;
  frame.header = ReadFrameHeader(p);
  FrameHeader& header = frame.header;
  // Named only for an error: the common path spends nothing on it.
  auto name = [&header] { return FrameTypeName(header.type); };

  uint8_t unexpected = header.flags & ~AllowedFlags(header.type);
  if (unexpected != 0) {
    return ProtocolError(absl::StrCat(name(), " frame has flags 0x", absl::Hex(header.flags),
                                      ", not allowed: 0x", absl::Hex(unexpected)));
  }
  if (IsConnectionFrame(header.type) != (header.call_id == 0)) {
    return ProtocolError(absl::StrCat(name(), " frame has call id ", header.call_id,
                                      IsConnectionFrame(header.type) ? ", expected 0" : ""));
  }
  if (fds_received.has_value() && header.fd_count != *fds_received) {
    return ProtocolError(absl::StrCat(name(), " frame announces ", header.fd_count,
                                      " descriptors but ", *fds_received, " arrived"));
  }
  if (header.type == FrameType::kDescriptorsNext &&
      (header.fd_count != 0 || header.control_length != 0 || header.message_length != 0)) {
    return ProtocolError(absl::StrCat(name(), " frame carries ", header.fd_count,
                                      " descriptors, ", header.control_length,
                                      " control bytes and a message length of ",
                                      header.message_length, "; it must be empty"));
  }
  if (header.type == FrameType::kBatch &&
      (header.fd_count != 0 || header.control_length != 0 || header.message_length == 0)) {
    return ProtocolError(absl::StrCat(name(), " frame carries ", header.fd_count,
                                      " descriptors, ", header.control_length,
                                      " control bytes and ", header.message_length,
                                      " bytes of frames; it must carry only frames"));
  }
  frame.has_message = header.type == FrameType::kMessage || header.type == FrameType::kChunk ||
                      header.type == FrameType::kBatch || header.has(kFlagHasMessage);
  if (!frame.has_message) {
    if (header.message_length != 0) {
      return ProtocolError(absl::StrCat(name(), " frame without a message has message length ",
                                        header.message_length));
    }
    if (header.has(kFlagOutOfLine) || header.has(kFlagChunked)) {
      return ProtocolError(absl::StrCat(name(), " frame without a message is marked ",
                                        header.has(kFlagOutOfLine) ? "out of line" : "chunked"));
    }
  }
  bool out_of_line = header.has(kFlagOutOfLine);
  if (out_of_line && header.fd_count == 0) {
    return ProtocolError(absl::StrCat(name(), " frame is out of line but carries no memfd"));
  }
  if (out_of_line && header.has(kFlagChunked)) {
    return ProtocolError(absl::StrCat(name(), " frame is both out of line and chunked"));
  }
  // 64-bit sums: two 32-bit lengths must not wrap into a match.
  bool elsewhere = out_of_line || header.has(kFlagChunked);
  uint64_t in_line_message = elsewhere ? 0 : header.message_length;
  uint64_t expected = uint64_t{kFrameHeaderSize} + header.control_length + in_line_message;
  if (expected != packet.size()) {
    return ProtocolError(absl::StrCat(name(), " frame declares ", expected, " bytes (control ",
                                      header.control_length, ", message ", in_line_message,
                                      ") but the packet holds ", packet.size()));
  }
  frame.control = packet.substr(kFrameHeaderSize, header.control_length);
  frame.message = packet.substr(kFrameHeaderSize + header.control_length, in_line_message);
  return frame;
}

absl::StatusOr<Frame> DecodeBatchedFrame(absl::string_view* rest) {
  if (rest->size() < kFrameHeaderSize) {
    return ProtocolError(absl::StrCat("BATCH frame ends in ", rest->size(),
                                      " bytes, shorter than a frame header"));
  }
  FrameHeader header = ReadFrameHeader(rest->data());
  // Unknown types are not batchable either, and are named UNKNOWN with their number.
  if (!MayBeBatched(header.type)) {
    return ProtocolError(absl::StrCat("BATCH frame holds a ", FrameTypeName(header.type),
                                      " frame (type ", static_cast<int>(header.type),
                                      "), which needs a packet of its own"));
  }
  if (header.has(kFlagOutOfLine) || header.has(kFlagChunked)) {
    return ProtocolError(absl::StrCat("BATCH frame holds a ", FrameTypeName(header.type),
                                      " frame whose message is not in line"));
  }
  // 64 bits: the lengths must not wrap into a size that fits.
  uint64_t size = uint64_t{kFrameHeaderSize} + header.control_length + header.message_length;
  if (size > rest->size()) {
    return ProtocolError(absl::StrCat("BATCH frame holds a ", FrameTypeName(header.type),
                                      " frame of ", size, " bytes, but only ", rest->size(),
                                      " bytes are left in it"));
  }
  absl::StatusOr<Frame> frame = DecodeFrame(rest->substr(0, size), 0);
  if (frame.ok()) rest->remove_prefix(size);
  return frame;
}

}  // namespace forkrpc::internal
