// socket_pair_test: SocketPair's two ends, on both socket types: connected to each
// other, close-on-exec, of the requested type, and keeping message boundaries.
#include "forkrpc/socket_pair.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"

namespace forkrpc {
namespace {

using ::forkrpc::testing::IsOk;

// Sends `bytes` as one packet on `fd`.
void SendPacket(int fd, const std::string& bytes) {
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT),
            static_cast<ssize_t>(bytes.size()));
}

// Receives one packet from `fd` into a buffer larger than any packet the tests send.
std::string ReceivePacket(int fd) {
  char buffer[256];
  ssize_t size = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  EXPECT_GE(size, 0) << "recv failed with errno " << errno;
  return size < 0 ? std::string() : std::string(buffer, static_cast<size_t>(size));
}

class SocketPairTest : public testing::SocketTypeTest {};

TEST_P(SocketPairTest, EndsAreConnectedInBothDirections) {
  auto ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  auto& [first, second] = *ends;
  SendPacket(first.get(), "to second");
  EXPECT_EQ(ReceivePacket(second.get()), "to second");
  SendPacket(second.get(), "to first");
  EXPECT_EQ(ReceivePacket(first.get()), "to first");
}

TEST_P(SocketPairTest, BothEndsAreCloseOnExec) {
  auto ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  EXPECT_NE(::fcntl(ends->first.get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(ends->second.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_P(SocketPairTest, BothEndsHaveTheRequestedType) {
  auto ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  int expected = GetParam() == SocketType::kSeqPacket ? SOCK_SEQPACKET : SOCK_DGRAM;
  for (int fd : {ends->first.get(), ends->second.get()}) {
    int type = 0;
    socklen_t length = sizeof(type);
    ASSERT_EQ(::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length), 0);
    EXPECT_EQ(type, expected);
  }
}

TEST_P(SocketPairTest, MessageBoundariesAreKept) {
  auto ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  SendPacket(ends->first.get(), "ab");
  SendPacket(ends->first.get(), "cde");
  SendPacket(ends->first.get(), "f");
  EXPECT_EQ(ReceivePacket(ends->second.get()), "ab");
  EXPECT_EQ(ReceivePacket(ends->second.get()), "cde");
  EXPECT_EQ(ReceivePacket(ends->second.get()), "f");
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(SocketPairTest);

TEST(SocketTypeNameTest, NamesEachType) {
  EXPECT_STREQ(SocketTypeName(SocketType::kSeqPacket), "seqpacket");
  EXPECT_STREQ(SocketTypeName(SocketType::kDatagram), "dgram");
}

}  // namespace
}  // namespace forkrpc
