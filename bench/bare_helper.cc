#include "bench/bare_helper.h"

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench.pb.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/hello.h"
#include "forkrpc/internal/socket_io.h"

namespace forkrpc_bench {
namespace {

using forkrpc::internal::FrameHeader;
using forkrpc::internal::FrameType;
using forkrpc::internal::kFrameHeaderSize;

// The packets the bare helper sends and takes: an Echo call's are far smaller.
constexpr uint32_t kPacketSize = 64 << 10;

}  // namespace

absl::Status ServeBare(forkrpc::UniqueFd socket) {
  namespace internal = forkrpc::internal;
  internal::HelloInfo hello;
  hello.max_packet_size = kPacketSize;
  hello.max_message_size = kPacketSize - kFrameHeaderSize;
  std::string hello_packet = internal::EncodeHello(hello);
  iovec hello_data{hello_packet.data(), hello_packet.size()};
  // The channel reads its peer's credentials from the hello.
  absl::StatusOr<internal::IoProgress> sent =
      internal::SendPacket(socket.get(), {&hello_data, 1}, {}, /*with_credentials=*/true);
  if (!sent.ok()) return sent.status();

  auto in = std::make_unique<char[]>(kPacketSize);
  auto out = std::make_unique<char[]>(kPacketSize);
  Msg request;
  Msg reply;
  for (;;) {
    internal::ReceivedPacket packet;
    // The socket has no receive timeout, so this waits as long as it takes.
    absl::StatusOr<internal::IoProgress> received =
        internal::ReceivePacket(socket.get(), absl::MakeSpan(in.get(), kPacketSize), &packet,
                                internal::ReceiveMode::kWait, internal::ControlRoom::kNone);
    if (!received.ok()) return received.status();
    if (packet.size == 0) return absl::OkStatus();  // end-of-file: the channel closed
    absl::StatusOr<internal::Frame> frame =
        internal::DecodeFrame(absl::string_view(in.get(), packet.size), 0);
    if (!frame.ok()) return frame.status();
    FrameType type = frame->header.type;
    if (type == FrameType::kHello) continue;
    if (type == FrameType::kGoodbye) return absl::OkStatus();
    if (type != FrameType::kCallStart) {
      return absl::UnimplementedError(
          absl::StrCat("bare helper: ", internal::FrameTypeName(type), " frame"));
    }
    if (!request.ParseFromArray(frame->message.data(), static_cast<int>(frame->message.size()))) {
      return absl::InternalError("bare helper: request does not parse");
    }
    reply = request;  // as EchoService::Unary answers
    size_t size = reply.ByteSizeLong();
    if (kFrameHeaderSize + size > kPacketSize) {
      return absl::ResourceExhaustedError("bare helper: response does not fit a packet");
    }
    // An OK status without metadata: an empty control section and the response.
    FrameHeader header;
    header.type = FrameType::kStatus;
    header.flags = internal::kFlagHasMessage;
    header.call_id = frame->header.call_id;
    header.message_length = static_cast<uint32_t>(size);
    internal::EncodeFrameHeader(header, out.get());
    reply.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out.get()) + kFrameHeaderSize);
    iovec data{out.get(), kFrameHeaderSize + size};
    sent = internal::SendPacket(socket.get(), {&data, 1}, {});
    if (!sent.ok()) return sent.status();
    if (*sent != internal::IoProgress::kDone) {
      return absl::ResourceExhaustedError("bare helper: the socket is full");
    }
  }
}

}  // namespace forkrpc_bench
