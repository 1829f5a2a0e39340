// frame_fuzz: every byte a peer can send, through the wire layer's decoders. The input's
// first byte is the number of descriptors the packet "arrived" with, the rest is the
// packet. Each input goes through DecodeFrame (and a BATCH's frames through
// DecodeBatchedFrame) and, whatever the header says, through DecodeHello and the control
// codec's decoders, parsed as each wire message. Nothing
// may crash, and what the decoders accept must hold up:
//   - a decoded frame's control and message views lie inside the packet, with the
//     lengths the header gives, and re-encoding its header reproduces the packet's
//     first 16 bytes;
//   - a rejected frame is INTERNAL "protocol error: ...";
//   - metadata accepted from the peer may be sent back unchanged, and a decoded status
//     has a canonical code and decodes again to itself.
//
// Two builds:
//   frame_fuzz (always, any compiler): fuzz_driver.cc runs the target over a fixed
//   pseudo-random corpus of mutated valid frames and random bytes; CTest runs it.
//   frame_fuzz_libfuzzer (when clang++ with libFuzzer is found; never run by CTest):
//     ninja -C build frame_fuzz_libfuzzer
//     mkdir -p /tmp/frame-corpus && build/tests/fuzz/frame_fuzz --write-corpus=/tmp/frame-corpus
//     build/tests/fuzz/libfuzzer/frame_fuzz_libfuzzer -max_total_time=600 /tmp/frame-corpus
//   It is built with -fsanitize=fuzzer,address,undefined; a crash leaves a crash-<hash>
//   file that replays with `frame_fuzz_libfuzzer crash-<hash>` or `frame_fuzz crash-<hash>`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "forkrpc/internal/control_codec.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/frame_format.h"
#include "forkrpc/internal/hello.h"
#include "forkrpc/metadata.h"
#include "forkrpc/wire.pb.h"
#include "google/protobuf/stubs/logging.h"

namespace forkrpc::internal {
namespace {

// Aborts with `what` when `condition` fails: a broken invariant is a finding.
#define FUZZ_CHECK(condition, what)                                                              \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "frame_fuzz: %s:%d: %s: %s\n", __FILE__, __LINE__, #condition, what); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)

bool IsProtocolError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInternal &&
         absl::StartsWith(status.message(), "protocol error: ");
}

bool Inside(absl::string_view part, absl::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckDecodedFrame(const Frame& frame, absl::string_view packet, size_t fds) {
  const FrameHeader& header = frame.header;
  FUZZ_CHECK(Inside(frame.control, packet), "control view outside the packet");
  FUZZ_CHECK(Inside(frame.message, packet), "message view outside the packet");
  FUZZ_CHECK(frame.control.size() == header.control_length, "control view length");
  bool in_line = frame.has_message && !header.has(kFlagOutOfLine) && !header.has(kFlagChunked);
  FUZZ_CHECK(frame.message.size() == (in_line ? header.message_length : 0), "message view length");
  FUZZ_CHECK(header.fd_count == fds, "descriptor count accepted unequal");
  FUZZ_CHECK((header.flags & ~kKnownFlags) == 0, "unknown flag accepted");
  bool connection_frame = header.type == FrameType::kHello || header.type == FrameType::kGoodbye ||
                          header.type == FrameType::kDescriptorsNext ||
                          header.type == FrameType::kBatch;
  FUZZ_CHECK(connection_frame == (header.call_id == 0), "call id 0 on the wrong frame");
  if (header.type == FrameType::kDescriptorsNext) {
    FUZZ_CHECK(packet.size() == kFrameHeaderSize && fds == 0, "DESCRIPTORS_NEXT with contents");
  }
  if (header.has(kFlagOutOfLine)) {
    FUZZ_CHECK(header.fd_count > 0, "out of line without a memfd");
    FUZZ_CHECK(!header.has(kFlagChunked), "out of line and chunked");
  }
  if (header.type == FrameType::kBatch) {
    FUZZ_CHECK(fds == 0 && frame.control.empty() && !frame.message.empty(),
               "BATCH with more than frames");
  }
  if (!frame.has_message) FUZZ_CHECK(header.message_length == 0, "message on a bare frame");

  char encoded[kFrameHeaderSize];
  EncodeFrameHeader(header, encoded);
  FUZZ_CHECK(absl::string_view(encoded, kFrameHeaderSize) == packet.substr(0, kFrameHeaderSize),
             "re-encoded header differs from the packet's");
}

void CheckHello(const Frame& frame) {
  absl::StatusOr<HelloInfo> hello = DecodeHello(frame);
  if (!hello.ok()) {
    FUZZ_CHECK(IsProtocolError(hello.status()) ||
                   hello.status().code() == absl::StatusCode::kFailedPrecondition,
               "hello refused with an unexpected code");
    return;
  }
  FUZZ_CHECK(hello->version == kProtocolVersion, "other version accepted");
  FUZZ_CHECK(hello->max_packet_size >= kMinPacketSize && hello->max_packet_size <= kMaxPacketSize,
             "packet size out of range accepted");
}

void CheckMetadata(const WireMetadata& wire) {
  Metadata metadata;
  absl::Status decoded = DecodeMetadata(wire, &metadata);
  if (!decoded.ok()) {
    FUZZ_CHECK(IsProtocolError(decoded), "bad metadata refused with an unexpected code");
    return;
  }
  WireMetadata again;
  FUZZ_CHECK(EncodeMetadata(metadata, &again).ok(), "accepted metadata cannot be sent back");
  FUZZ_CHECK(again.size() == wire.size(), "metadata entries lost");
}

void CheckStatus(const wire::CallStatus& wire) {
  absl::Status status = DecodeStatus(wire);
  int code = static_cast<int>(status.code());
  FUZZ_CHECK(code >= 0 && code <= 16, "decoded status code not canonical");
  wire::CallStatus again;
  EncodeStatus(status, &again);
  FUZZ_CHECK(DecodeStatus(again) == status, "status does not decode to itself");
}

// Parses `bytes` as each control message and runs the decoders over what parses.
void CheckControl(absl::string_view bytes) {
  int size = static_cast<int>(bytes.size());
  Frame hello;
  hello.header.type = FrameType::kHello;
  hello.control = bytes;
  CheckHello(hello);
  wire::CallStart start;
  if (start.ParseFromArray(bytes.data(), size)) CheckMetadata(start.metadata());
  wire::CallStatus status;
  if (status.ParseFromArray(bytes.data(), size)) {
    CheckStatus(status);
    CheckMetadata(status.trailing_metadata());
    CheckMetadata(status.initial_metadata());
  }
  wire::ServerHeaders headers;
  if (headers.ParseFromArray(bytes.data(), size)) CheckMetadata(headers.initial_metadata());
}

// Takes the frames of an accepted BATCH apart: each one accepted holds up as a frame of
// its own packet would, may ride in a batch, and carries its message in line; the walk
// ends at the batch's end or at a protocol error.
void CheckBatch(const Frame& batch) {
  absl::string_view rest = batch.message;
  while (!rest.empty()) {
    absl::string_view before = rest;
    absl::StatusOr<Frame> frame = DecodeBatchedFrame(&rest);
    if (!frame.ok()) {
      FUZZ_CHECK(IsProtocolError(frame.status()), "bad batched frame refused with another code");
      FUZZ_CHECK(rest == before, "a refused batched frame was consumed");
      return;
    }
    FUZZ_CHECK(rest.size() < before.size(), "a batched frame took no bytes");
    absl::string_view own = before.substr(0, before.size() - rest.size());
    CheckDecodedFrame(*frame, own, 0);
    FUZZ_CHECK(MayBeBatched(frame->header.type), "a batched frame of a lone type");
    FUZZ_CHECK(!frame->header.has(kFlagOutOfLine) && !frame->header.has(kFlagChunked),
               "a batched message not in line");
    CheckControl(frame->control);
  }
}

}  // namespace
}  // namespace forkrpc::internal

// Silences protobuf's complaints about the invalid UTF-8 that most inputs hold.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forkrpc::internal;  // NOLINT(build/namespaces): one function
  if (size == 0) return 0;
  size_t fds = data[0];
  absl::string_view packet(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::StatusOr<Frame> frame = DecodeFrame(packet, fds);
  if (frame.ok()) {
    CheckDecodedFrame(*frame, packet, fds);
    if (frame->header.type == FrameType::kHello) CheckHello(*frame);
    if (frame->header.type == FrameType::kBatch) CheckBatch(*frame);
    CheckControl(frame->control);
  } else {
    FUZZ_CHECK(IsProtocolError(frame.status()), "bad frame refused with an unexpected code");
    CheckControl(packet);
  }
  return 0;
}
