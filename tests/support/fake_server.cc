#include "tests/support/fake_server.h"

#include <sys/socket.h>

#include <cstring>

#include "absl/strings/string_view.h"
#include "forkrpc/internal/hello.h"
#include "gtest/gtest.h"

namespace forkrpc::testing {

using internal::FrameHeader;
using internal::FrameType;

void FakeServer::SendRaw(const std::string& bytes, std::vector<int> fds, bool announce) {
  if (!fds.empty() && announce) SendRaw(Frame(FrameType::kDescriptorsNext, 0, ""));
  iovec data{const_cast<char*>(bytes.data()), bytes.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  if (!fds.empty()) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  ASSERT_EQ(::sendmsg(socket_.get(), &message, MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

void FakeServer::SendHello(uint32_t version, uint32_t packet_size) {
  internal::HelloInfo hello;
  hello.version = version;
  hello.max_packet_size = packet_size;
  hello.max_message_size = 1 << 20;
  SendRaw(internal::EncodeHello(hello));
}

std::string FakeServer::Frame(FrameType type, uint32_t call_id, const std::string& control,
                              const std::string& message, uint8_t flags, uint16_t fd_count) {
  FrameHeader header;
  header.type = type;
  header.flags = flags;
  header.call_id = call_id;
  header.fd_count = fd_count;
  header.control_length = static_cast<uint32_t>(control.size());
  header.message_length = static_cast<uint32_t>(message.size());
  std::string packet(internal::kFrameHeaderSize, '\0');
  EncodeFrameHeader(header, packet.data());
  return packet + control + message;
}

std::string FakeServer::Batch(const std::vector<std::string>& frames) {
  std::string inner;
  for (const std::string& frame : frames) inner += frame;
  return Frame(FrameType::kBatch, 0, "", inner);
}

std::string FakeServer::OutOfLine(uint32_t call_id, uint32_t size) {
  std::string frame = Frame(FrameType::kStatus, call_id, "", "",
                            internal::kFlagHasMessage | internal::kFlagOutOfLine, 1);
  for (int i = 0; i < 4; ++i) {
    frame[internal::kMessageLengthOffset + i] = static_cast<char>(size >> (8 * i));
  }
  return frame;
}

uint32_t FakeServer::AwaitCallStart() {
  for (;;) {
    std::string packet = ReceivePacket();
    if (packet.empty()) return 0;
    absl::StatusOr<internal::Frame> frame = internal::DecodeFrame(packet, 0);
    if (frame.ok() && frame->header.type == FrameType::kCallStart) return frame->header.call_id;
  }
}

std::string FakeServer::ReceivePacket() {
  std::string buffer(1 << 16, '\0');
  ssize_t size = ::recv(socket_.get(), buffer.data(), buffer.size(), 0);
  if (size <= 0) return "";
  buffer.resize(static_cast<size_t>(size));
  return buffer;
}

}  // namespace forkrpc::testing
