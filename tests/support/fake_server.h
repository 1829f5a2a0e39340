// fake_server.h: the far end of a channel's socketpair, speaking the protocol by hand
// with the wire layer's own encoders: it sends what a test tells it to, however wrong,
// and shows a test the packets the channel sent.
//   forkrpc::testing::FakeServer server(std::move(ends->second));
//   uint32_t id = server.AwaitCallStart();
//   server.SendHello();
//   server.SendRaw(FakeServer::Frame(FrameType::kStatus, id, ""));
#ifndef FORKRPC_TESTS_SUPPORT_FAKE_SERVER_H_
#define FORKRPC_TESTS_SUPPORT_FAKE_SERVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "forkrpc/internal/frame.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::testing {

class FakeServer {
 public:
  explicit FakeServer(UniqueFd socket) : socket_(std::move(socket)) {}

  int fd() const { return socket_.get(); }

  // Sends raw bytes as one packet, with `fds` attached, after a DESCRIPTORS_NEXT if
  // there are any and `announce` holds, as the protocol wants. Fails the test if the
  // packet does not go whole.
  void SendRaw(const std::string& bytes, std::vector<int> fds = {}, bool announce = true);

  void SendHello(uint32_t version = internal::kProtocolVersion, uint32_t packet_size = 65536);

  // A frame of `type` for `call_id` with `control` and `message` sections.
  static std::string Frame(internal::FrameType type, uint32_t call_id, const std::string& control,
                           const std::string& message = "", uint8_t flags = 0,
                           uint16_t fd_count = 0);

  // A BATCH frame holding `frames`, each as Frame makes it.
  static std::string Batch(const std::vector<std::string>& frames);

  // A STATUS frame whose response is out of line: its memfd, announced as `size` bytes,
  // goes as the packet's one descriptor.
  static std::string OutOfLine(uint32_t call_id, uint32_t size);

  // Receives packets until a CALL_START arrives; returns its call id (0 on end-of-file).
  uint32_t AwaitCallStart();

  // Receives the next packet whole; empty on end-of-file or error.
  std::string ReceivePacket();

 private:
  UniqueFd socket_;
};

}  // namespace forkrpc::testing

#endif  // FORKRPC_TESTS_SUPPORT_FAKE_SERVER_H_
