#include "forkrpc/internal/hello.h"

#include "absl/strings/str_cat.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {

std::string EncodeHello(const HelloInfo& info) {
  wire::Hello hello;
  hello.set_version(info.version);
  hello.set_max_packet_size(info.max_packet_size);
  hello.set_max_message_size(info.max_message_size);
  hello.set_features(info.features);
  if (!info.setup_error.ok()) {
    hello.set_setup_error_code(static_cast<int32_t>(info.setup_error.code()));
    hello.set_setup_error_message(std::string(info.setup_error.message()));
  }
  std::string packet(kFrameHeaderSize, '\0');
  hello.AppendToString(&packet);
  FrameHeader header;
  header.type = FrameType::kHello;
  header.control_length = static_cast<uint32_t>(packet.size() - kFrameHeaderSize);
  EncodeFrameHeader(header, packet.data());
  return packet;
}

absl::StatusOr<HelloInfo> DecodeHello(const Frame& frame) {
  if (frame.header.type != FrameType::kHello) {
    return absl::InternalError(
        absl::StrCat("protocol error: expected HELLO as the first frame, got ",
                     FrameTypeName(frame.header.type)));
  }
  wire::Hello hello;
  if (!hello.ParseFromArray(frame.control.data(), static_cast<int>(frame.control.size()))) {
    return absl::InternalError("protocol error: HELLO control section does not parse");
  }
  if (hello.version() != kProtocolVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("protocol version mismatch: peer speaks version ", hello.version(),
                     ", this side version ", kProtocolVersion));
  }
  if (hello.max_packet_size() < kMinPacketSize || hello.max_packet_size() > kMaxPacketSize) {
    return absl::InternalError(absl::StrCat("protocol error: HELLO announces packet size ",
                                            hello.max_packet_size(), ", outside [", kMinPacketSize,
                                            ", ", kMaxPacketSize, "]"));
  }
  HelloInfo info;
  info.version = hello.version();
  info.max_packet_size = hello.max_packet_size();
  info.max_message_size = hello.max_message_size();
  info.features = hello.features();
  if (hello.setup_error_code() != 0) {
    info.setup_error = absl::Status(static_cast<absl::StatusCode>(hello.setup_error_code()),
                                    hello.setup_error_message());
  }
  return info;
}

}  // namespace forkrpc::internal
