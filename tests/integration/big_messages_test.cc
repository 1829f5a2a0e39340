// Messages of every size, from empty to far beyond one packet, on every call kind, over
// both socket types and both ways a big message can travel (in chunks over the socket,
// or in a sealed memfd); what arrives is compared with what was sent. Limits refuse what
// is over them with RESOURCE_EXHAUSTED and the channel carries on.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_server.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using forkrpc::test::Reply;
using forkrpc::test::Request;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The largest packet a socket of default size takes: SO_SNDBUF less 32 (unix(7)).
constexpr int64_t kPacketLimit = 212992 - 32;

// A payload of `size` bytes that differs from position to position.
std::string Payload(size_t size) {
  std::string payload(size, '\0');
  uint64_t x = size * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    payload[i] = static_cast<char>(x);
  }
  return payload;
}

// A request whose serialized size is exactly `size`, for sizes of 3 and up; smaller
// sizes give the payload that size instead (a protobuf field takes two bytes at least).
Request RequestOfSerializedSize(int64_t size) {
  Request request;
  if (size < 3) {
    request.set_payload(Payload(static_cast<size_t>(size)));
    return request;
  }
  // One tag byte and the varint length precede the payload.
  int64_t payload = size - 2;
  while (1 + ((64 - __builtin_clzll(static_cast<uint64_t>(payload) | 1)) + 6) / 7 + payload >
         size) {
    --payload;
  }
  request.set_payload(Payload(static_cast<size_t>(payload)));
  return request;
}

// How the test's messages travel, beside the socket type.
enum class Transport { kChunks, kMemfd };

struct Case {
  SocketType socket_type;
  Transport transport;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return absl::StrCat(info.param.socket_type == SocketType::kSeqPacket ? "SeqPacket" : "Datagram",
                      info.param.transport == Transport::kChunks ? "Chunks" : "Memfd");
}

// Whether this machine has room for the 1 GiB cases (several copies on each side).
bool HaveRoomForAGibibyte() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kib;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib > (int64_t{16} << 20);
  }
  return false;
}

class BigMessagesTest : public ::testing::TestWithParam<Case> {
 protected:
  // A helper whose channel and server allow `limit`-byte messages.
  void StartHelper(int64_t limit = kDefaultMaxMessageSize) {
    SpawnOptions options;
    options.channel_options.max_message_size = limit;
    options.server_options.max_message_size = limit;
    if (GetParam().transport == Transport::kMemfd) {
      // Everything that leaves the packet path goes through a memfd.
      options.channel_options.memfd_threshold = 0;
      options.server_options.memfd_threshold = 0;
    }
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam().socket_type, -1, options);
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
    stub_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  }
  void TearDown() override {
    stub_.reset();
    if (child_.has_value()) {
      absl::StatusOr<ExitStatus> end = child_->Wait();
      EXPECT_THAT(end, IsOk());
      if (end.ok()) EXPECT_TRUE(end->success()) << end->ToString();
      child_.reset();
    }
    hygiene_.Check();
  }

  // Every call kind carries `request` there and back intact.
  void ExpectEveryCallKindRoundTrips(const Request& request) {
    const std::string& payload = request.payload();
    size_t hash = absl::HashOf(payload);
    {
      ClientContext context;
      Reply reply;
      ASSERT_THAT(stub_->Echo(context, request, &reply), IsOk());
      ASSERT_EQ(reply.payload().size(), payload.size());
      EXPECT_EQ(absl::HashOf(reply.payload()), hash) << "unary";
    }
    {
      ClientContext context;
      Request streaming = request;
      streaming.set_count(2);
      auto reader = stub_->Stream(context, streaming);
      Reply reply;
      for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(reader->Read(&reply)) << "server streaming, message " << i;
        EXPECT_EQ(absl::HashOf(reply.payload()), hash) << "server streaming";
      }
      EXPECT_FALSE(reader->Read(&reply));
      ASSERT_THAT(reader->Finish(), IsOk());
    }
    {
      ClientContext context;
      Reply reply;
      auto writer = stub_->Collect(context, &reply);
      ASSERT_TRUE(writer->Write(request));
      ASSERT_TRUE(writer->Write(request));
      ASSERT_THAT(writer->Finish(), IsOk());
      EXPECT_EQ(absl::HashOf(reply.payload()), hash) << "client streaming";
    }
    {
      ClientContext context;
      auto stream = stub_->Chat(context);
      for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(stream->Write(request));
        Reply reply;
        ASSERT_TRUE(stream->Read(&reply));
        EXPECT_EQ(absl::HashOf(reply.payload()), hash) << "bidi";
      }
      ASSERT_TRUE(stream->WritesDone());
      ASSERT_THAT(stream->Finish(), IsOk());
    }
  }

  ProcessHygiene hygiene_;
  std::optional<Child> child_;
  std::unique_ptr<forkrpc::test::Test::Stub> stub_;
};

TEST_P(BigMessagesTest, EverySizeRoundTripsOnEveryCallKind) {
  StartHelper();
  for (int64_t size : {int64_t{0}, int64_t{1}, kPacketLimit - 1, kPacketLimit, kPacketLimit + 1,
                       int64_t{1} << 20, int64_t{64} << 20}) {
    SCOPED_TRACE(absl::StrCat("serialized size ", size));
    ExpectEveryCallKindRoundTrips(RequestOfSerializedSize(size));
  }
}

TEST_P(BigMessagesTest, AGibibyteRoundTripsWithTheLimitRaised) {
  if (!HaveRoomForAGibibyte()) GTEST_SKIP() << "needs 16 GiB of available memory";
  StartHelper(kMaxMessageSizeLimit);
  Request request = RequestOfSerializedSize(int64_t{1} << 30);
  ClientContext context;
  Reply reply;
  ASSERT_THAT(stub_->Echo(context, request, &reply), IsOk());
  ASSERT_EQ(reply.payload().size(), request.payload().size());
  EXPECT_EQ(absl::HashOf(reply.payload()), absl::HashOf(request.payload()));
}

TEST_P(BigMessagesTest, RequestOverTheLimitIsRefusedBeforeItIsSent) {
  StartHelper(int64_t{1} << 20);
  Request request = RequestOfSerializedSize((int64_t{1} << 20) + 1);
  ClientContext context;
  Reply reply;
  EXPECT_THAT(stub_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("1048577 bytes"), HasSubstr("limit of 1048576"))));
  // The channel is still good (replies add a few bytes to what they echo).
  ExpectEveryCallKindRoundTrips(RequestOfSerializedSize((1 << 20) - 64));
}

TEST_P(BigMessagesTest, ResponseOverTheClientsLimitIsRefusedByTheServer) {
  // The server allows more than the client does; the client's hello says how much.
  SpawnOptions options;
  options.channel_options.max_message_size = 1 << 20;
  if (GetParam().transport == Transport::kMemfd) options.server_options.memfd_threshold = 0;
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam().socket_type, -1, options);
  ASSERT_THAT(child, IsOk());
  child_.emplace(*std::move(child));
  stub_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  // A bidi reply echoes its request and adds its index (from 1 on, two bytes), so a
  // request of exactly the limit passes and its reply is just over it.
  ClientContext context;
  auto stream = stub_->Chat(context);
  Request first;
  ASSERT_TRUE(stream->Write(first));
  Reply reply;
  ASSERT_TRUE(stream->Read(&reply));
  ASSERT_TRUE(stream->Write(RequestOfSerializedSize(1 << 20)));
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_THAT(stream->Finish(),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("limit of 1048576 bytes")));
  ExpectEveryCallKindRoundTrips(RequestOfSerializedSize(512 << 10));
}

// Before a channel sends a message in chunks, it makes room in its socket for more than
// one packet on its way, so the chunks need not wait for the receiver to take each
// before the next can go.
class BigMessageSendTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
    ASSERT_THAT(ends, IsOk());
    client_end_ = std::move(ends->first);
    peer_.emplace(std::move(ends->second));
    peer_->SendHello();
  }
  void TearDown() override {
    peer_.reset();
    client_end_.reset();
    SocketTypeTest::TearDown();
  }

  // Echoes a request of `size` serialized bytes over a channel on the client end while
  // the peer reads nothing, then closes the channel; the call's status.
  absl::Status EchoUnread(int64_t size, absl::Duration timeout) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(std::move(client_end_));
    if (!channel.ok()) return channel.status();
    forkrpc::test::Test::Stub stub(*std::move(channel));
    ClientContext context;
    context.set_timeout(timeout);
    Reply reply;
    return stub.Echo(context, RequestOfSerializedSize(size), &reply);
  }

  // Whether the CALL_START of the call reached the peer. A chunked request's CALL_START
  // comes after its chunks: if it went, all of them did. Call once the channel is
  // closed: everything sent is there, and a DGRAM peer would wait for more forever.
  bool PeerGotCallStart() {
    EXPECT_EQ(::fcntl(peer_->fd(), F_SETFL, O_NONBLOCK), 0);
    return peer_->AwaitCallStart() != 0;
  }

  UniqueFd client_end_;
  std::optional<FakeServer> peer_;
};

TEST_P(BigMessageSendTest, AMessageOfTwoPacketsLeavesBeforeThePeerReadsAny) {
  EXPECT_THAT(EchoUnread(kPacketLimit * 3 / 2, absl::Seconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(PeerGotCallStart());
}

TEST_P(BigMessageSendTest, AMessageSerializedAsItGoesStopsAtTheDeadline) {
  // 16 MiB is serialized a chunk at a time and does not fit the socket's buffer: with the
  // peer reading nothing, a chunk's send waits until the deadline and the rest is
  // never sent.
  EXPECT_THAT(EchoUnread(int64_t{16} << 20, absl::Milliseconds(200)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(PeerGotCallStart());
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(BigMessageSendTest);

INSTANTIATE_TEST_SUITE_P(Transports, BigMessagesTest,
                         ::testing::Values(Case{SocketType::kSeqPacket, Transport::kChunks},
                                           Case{SocketType::kDatagram, Transport::kChunks},
                                           Case{SocketType::kSeqPacket, Transport::kMemfd},
                                           Case{SocketType::kDatagram, Transport::kMemfd}),
                         CaseName);

}  // namespace
}  // namespace forkrpc::testing
