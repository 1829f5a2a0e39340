// Peers that lie: a bad frame closes the connection, the calls pending on it fail with
// INTERNAL "protocol error: ..." naming the violation, later calls with UNAVAILABLE,
// and nothing crashes or hangs. The fake peer here is the other end of a socketpair,
// driven by hand with the wire layer's own encoders (tests/support/fake_server.h); it
// also plays well-behaved peers whose frames no real one sends in that order.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/hello.h"
#include "forkrpc/wire.pb.h"
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
using internal::EncodeFrameHeader;
using internal::FrameHeader;
using internal::FrameType;
using ::testing::HasSubstr;

class GarbagePeerTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
    ASSERT_THAT(ends, IsOk());
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(std::move(ends->first));
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
    server_ = std::make_unique<FakeServer>(std::move(ends->second));
    stub_ = std::make_unique<forkrpc::test::Test::Stub>(channel_);
  }
  void TearDown() override {
    stub_.reset();
    channel_.reset();
    server_.reset();
    SocketTypeTest::TearDown();
  }

  // Makes a unary call while `peer` plays the server; returns the call's status.
  absl::Status CallWhile(std::function<void(FakeServer&, uint32_t call_id)> peer) {
    std::thread server([&] {
      uint32_t id = server_->AwaitCallStart();
      peer(*server_, id);
    });
    Request request;
    request.set_text("hi");
    ClientContext context;
    context.set_timeout(absl::Seconds(30));  // a hang would fail the test, not wedge it
    Reply reply;
    absl::Status status = stub_->Echo(context, request, &reply);
    server.join();
    return status;
  }

  // How one of TwoCallsWhile's calls ended.
  struct Outcome {
    absl::Status status;
    std::string text;  // the reply's
    std::vector<UniqueFd> fds;
  };

  // Makes two unary calls at once, from two threads, while `peer` plays the server and
  // is handed the ids of both CALL_STARTs, in the order they came.
  std::array<Outcome, 2> TwoCallsWhile(std::function<void(FakeServer&, uint32_t, uint32_t)> peer) {
    std::thread server([&] {
      uint32_t first = server_->AwaitCallStart();
      uint32_t second = server_->AwaitCallStart();
      peer(*server_, first, second);
    });
    std::array<Outcome, 2> outcomes;
    std::thread callers[2];
    for (int i = 0; i < 2; ++i) {
      callers[i] = std::thread([&, i] {
        ClientContext context;
        context.set_timeout(absl::Seconds(30));
        Reply reply;
        outcomes[i].status = stub_->Echo(context, Request(), &reply);
        outcomes[i].text = reply.text();
        outcomes[i].fds = context.TakeResponseFds();
      });
    }
    for (std::thread& caller : callers) caller.join();
    server.join();
    return outcomes;
  }

  // After a protocol error, later calls fail at once with UNAVAILABLE.
  void ExpectLaterCallsUnavailable() {
    Request request;
    EXPECT_THAT(stub_->Echo(request),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("protocol error")));
  }

  std::shared_ptr<Channel> channel_;
  std::unique_ptr<FakeServer> server_;
  std::unique_ptr<forkrpc::test::Test::Stub> stub_;
};

TEST_P(GarbagePeerTest, BytesInsteadOfAHello) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t) { peer.SendRaw("abc"); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("protocol error: packet of 3 bytes is shorter than the "
                                         "16-byte frame header")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, HelloOfAnotherVersion) {
  absl::Status status =
      CallWhile([](FakeServer& peer, uint32_t) { peer.SendHello(/*version=*/1); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr(absl::StrCat("peer speaks version 1, this side version ",
                                                      internal::kProtocolVersion))));
}

TEST_P(GarbagePeerTest, FrameOfUnknownType) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    std::string frame = FakeServer::Frame(FrameType::kStatus, id, "");
    frame[0] = 99;
    peer.SendRaw(frame);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("protocol error: unknown frame type 99")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, StatusForACallNeverStarted) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id + 1000, ""));
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal, HasSubstr("never started")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, LengthsThatDoNotAddUp) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    std::string frame = FakeServer::Frame(FrameType::kStatus, id, "");
    frame[internal::kControlLengthOffset] = 100;  // says 100 control bytes; there are none
    peer.SendRaw(frame);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal, HasSubstr("declares 116 bytes")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, PacketLargerThanAnnounced) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello(internal::kProtocolVersion, /*packet_size=*/4096);
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id, std::string(5000, 'x')));
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("exceeds the 4096-byte packet size")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, UnannouncedDescriptorsAreRefusedAndClosed) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    forkrpc::test::Reply reply;
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id, "", reply.SerializeAsString(),
                                   internal::kFlagHasMessage),
                 {fds[0], fds[1]});
    ::close(fds[0]);
    ::close(fds[1]);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("announces 0 descriptors but 2 arrived")));
  // The fixture checks that the two received descriptors were closed.
}

TEST_P(GarbagePeerTest, ResponseThatDoesNotParseFailsOnlyItsCall) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(
        FakeServer::Frame(FrameType::kStatus, id, "", "\xff\xff\xff", internal::kFlagHasMessage));
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal, HasSubstr("does not parse")));
  // Not a protocol violation: the connection carries on.
  absl::Status next = CallWhile([](FakeServer& peer, uint32_t id) {
    forkrpc::test::Reply reply;
    reply.set_text("fine");
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id, "", reply.SerializeAsString(),
                                   internal::kFlagHasMessage));
  });
  EXPECT_THAT(next, IsOk());
}

TEST_P(GarbagePeerTest, ServerRefusesAClientThatSendsGarbage) {
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  FakeServer client(std::move(ends->second));
  Server server;
  server.Register(std::make_unique<TestServiceImpl>());
  ASSERT_THAT(server.Start(std::move(ends->first)), IsOk());
  client.SendHello();
  client.SendRaw(FakeServer::Frame(FrameType::kStatus, 7, ""));
  EXPECT_THAT(server.Wait(), StatusIs(absl::StatusCode::kInternal,
                                      HasSubstr("protocol error: client sent a STATUS frame")));
}

TEST_P(GarbagePeerTest, ServerRefusesAStartWithoutItsRequest) {
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  FakeServer client(std::move(ends->second));
  Server server;
  server.Register(std::make_unique<TestServiceImpl>());
  ASSERT_THAT(server.Start(std::move(ends->first)), IsOk());
  client.SendHello();
  forkrpc::wire::CallStart start;
  start.set_method("/forkrpc.test.Test/Echo");
  client.SendRaw(FakeServer::Frame(FrameType::kCallStart, 1, start.SerializeAsString()));
  EXPECT_THAT(server.Wait(), StatusIs(absl::StatusCode::kInternal, HasSubstr("lacks its request")));
}

// A memfd holding `size` bytes of a serialized Reply, sealed with `seals`.
UniqueFd ReplyMemfd(size_t size, int seals) {
  UniqueFd memfd(::memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  EXPECT_TRUE(memfd.valid());
  forkrpc::test::Reply reply;
  reply.set_payload(std::string(size > 4 ? size - 4 : 0, 'm'));
  std::string bytes = reply.SerializeAsString();
  bytes.resize(size);
  EXPECT_EQ(::write(memfd.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  if (seals != 0) EXPECT_EQ(::fcntl(memfd.get(), F_ADD_SEALS, seals), 0);
  return memfd;
}

constexpr int kAllSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;

// The fake server answers the call with an out-of-line response: `fd` announced as
// `announced` bytes.
TEST_P(GarbagePeerTest, UnsealedMemfdIsRefused) {
  UniqueFd memfd = ReplyMemfd(4096, F_SEAL_SHRINK | F_SEAL_GROW);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 4096), {memfd.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("memfd is not sealed against writing")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, MemfdSmallerThanAnnouncedIsRefused) {
  UniqueFd memfd = ReplyMemfd(4096, kAllSeals);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 8192), {memfd.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("memfd holds 4096 bytes, 8192 were announced")));
}

TEST_P(GarbagePeerTest, MemfdLargerThanAnnouncedIsRefused) {
  UniqueFd memfd = ReplyMemfd(8192, kAllSeals);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 4096), {memfd.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("memfd holds 8192 bytes, 4096 were announced")));
}

TEST_P(GarbagePeerTest, PipeInsteadOfAMemfdIsRefused) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 4096), {read_end.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal, HasSubstr("not a sealed memfd")));
}

TEST_P(GarbagePeerTest, SocketInsteadOfAMemfdIsRefused) {
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> other = SocketPair(SocketType::kSeqPacket);
  ASSERT_THAT(other, IsOk());
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 4096), {other->first.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal, HasSubstr("not a sealed memfd")));
}

// Without the announcement the client receives with no room for descriptors: the
// kernel closes them, and the frame that counts on them is a protocol error.
TEST_P(GarbagePeerTest, DescriptorsWithoutAnnouncementAreAProtocolError) {
  UniqueFd memfd = ReplyMemfd(4096, kAllSeals);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 4096), {memfd.get()}, /*announce=*/false);
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("STATUS frame carries 1 descriptors that no DESCRIPTORS_NEXT "
                                 "announced")));
  ExpectLaterCallsUnavailable();
}

// An announcement is used up only by a packet that carries descriptors: another call's
// frame may pass in between, as it does when several threads send.
TEST_P(GarbagePeerTest, AnnouncementWaitsForThePacketWithDescriptors) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  // Which call the server saw first does not matter to the check.
  std::array<Outcome, 2> outcomes =
      TwoCallsWhile([&](FakeServer& peer, uint32_t first, uint32_t second) {
        peer.SendHello();
        peer.SendRaw(FakeServer::Frame(FrameType::kDescriptorsNext, 0, ""));
        Reply reply;
        reply.set_text("plain");
        peer.SendRaw(FakeServer::Frame(FrameType::kStatus, first, "", reply.SerializeAsString(),
                                       internal::kFlagHasMessage));
        reply.set_text("with a pipe");
        peer.SendRaw(FakeServer::Frame(FrameType::kStatus, second, "", reply.SerializeAsString(),
                                       internal::kFlagHasMessage, /*fd_count=*/1),
                     {write_end.get()}, /*announce=*/false);
      });
  ASSERT_THAT(outcomes[0].status, IsOk());
  ASSERT_THAT(outcomes[1].status, IsOk());
  int with_pipe = outcomes[0].text == "with a pipe" ? 0 : 1;
  EXPECT_EQ(outcomes[1 - with_pipe].text, "plain");
  EXPECT_TRUE(outcomes[1 - with_pipe].fds.empty());
  ASSERT_EQ(outcomes[with_pipe].fds.size(), 1u);
  write_end.reset();
  // The pipe's write end arrived: ours is closed, and what goes into it comes out.
  ASSERT_EQ(::write(outcomes[with_pipe].fds[0].get(), "x", 1), 1);
  char byte;
  EXPECT_EQ(::read(read_end.get(), &byte, 1), 1);
}

TEST_P(GarbagePeerTest, MemfdOverTheLimitIsRefusedAndTheChannelCarriesOn) {
  // 200 MiB announced, over the default 128 MiB: refused before anything is mapped.
  UniqueFd memfd = ReplyMemfd(4096, kAllSeals);
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    peer.SendRaw(FakeServer::OutOfLine(id, 200u << 20), {memfd.get()});
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted,
                               HasSubstr("209715200 bytes exceeds the limit of 134217728")));
  absl::Status next = CallWhile([](FakeServer& peer, uint32_t id) {
    forkrpc::test::Reply reply;
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id, "", reply.SerializeAsString(),
                                   internal::kFlagHasMessage));
  });
  EXPECT_THAT(next, IsOk());
}

TEST_P(GarbagePeerTest, ChunkedResponseOverTheLimitIsRefusedAndTheChannelCarriesOn) {
  // The client allows 1 MiB; the peer ignores its hello and sends 2 MiB in chunks.
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  ChannelOptions options;
  options.max_message_size = 1 << 20;
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      Channel::Create(std::move(ends->first), options);
  ASSERT_THAT(channel, IsOk());
  channel_ = *std::move(channel);
  server_ = std::make_unique<FakeServer>(std::move(ends->second));
  stub_ = std::make_unique<forkrpc::test::Test::Stub>(channel_);
  constexpr uint32_t kSize = 2 << 20;
  absl::Status status = CallWhile([&](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    forkrpc::wire::ChunkStart start;
    start.set_message_size(kSize);
    std::string part(32 << 10, 'c');
    peer.SendRaw(FakeServer::Frame(FrameType::kChunk, id, start.SerializeAsString(), part));
    for (uint32_t sent = part.size(); sent < kSize; sent += part.size()) {
      peer.SendRaw(FakeServer::Frame(FrameType::kChunk, id, "", part));
    }
    std::string end = FakeServer::Frame(FrameType::kStatus, id, "", "",
                                        internal::kFlagHasMessage | internal::kFlagChunked);
    end[internal::kMessageLengthOffset + 2] = static_cast<char>(kSize >> 16);
    peer.SendRaw(end);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted,
                               HasSubstr("2097152 bytes exceeds the limit of 1048576")));
  absl::Status next = CallWhile([](FakeServer& peer, uint32_t id) {
    forkrpc::test::Reply reply;
    peer.SendRaw(FakeServer::Frame(FrameType::kStatus, id, "", reply.SerializeAsString(),
                                   internal::kFlagHasMessage));
  });
  EXPECT_THAT(next, IsOk());
}

TEST_P(GarbagePeerTest, ChunksBeyondTheAnnouncedSizeAreAProtocolError) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    forkrpc::wire::ChunkStart start;
    start.set_message_size(10);
    peer.SendRaw(
        FakeServer::Frame(FrameType::kChunk, id, start.SerializeAsString(), std::string(11, 'x')));
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, HasSubstr("exceed the announced 10 bytes")));
}

// --- BATCH frames ---------------------------------------------------------------------

TEST_P(GarbagePeerTest, BatchedStatusesReachTheirCalls) {
  std::array<Outcome, 2> outcomes =
      TwoCallsWhile([](FakeServer& peer, uint32_t first, uint32_t second) {
        peer.SendHello();
        Reply reply;
        reply.set_text(absl::StrCat("for ", first));
        std::string one = FakeServer::Frame(FrameType::kStatus, first, "",
                                            reply.SerializeAsString(), internal::kFlagHasMessage);
        reply.set_text(absl::StrCat("for ", second));
        std::string two = FakeServer::Frame(FrameType::kStatus, second, "",
                                            reply.SerializeAsString(), internal::kFlagHasMessage);
        peer.SendRaw(FakeServer::Batch({two, one}));
      });
  EXPECT_THAT(outcomes[0].status, IsOk());
  EXPECT_THAT(outcomes[1].status, IsOk());
  // Each got an answer of its own: the two texts name two different calls.
  EXPECT_THAT(outcomes[0].text, ::testing::StartsWith("for "));
  EXPECT_THAT(outcomes[1].text, ::testing::StartsWith("for "));
  EXPECT_NE(outcomes[0].text, outcomes[1].text);
}

TEST_P(GarbagePeerTest, BatchHoldingAHelloIsAProtocolError) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    internal::HelloInfo hello;
    peer.SendRaw(FakeServer::Batch(
        {internal::EncodeHello(hello), FakeServer::Frame(FrameType::kStatus, id, "")}));
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("protocol error: BATCH frame holds a HELLO frame")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, BatchWhoseFrameRunsPastItsEndIsAProtocolError) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    std::string frame = FakeServer::Frame(FrameType::kStatus, id, "");
    frame[internal::kControlLengthOffset] = 100;  // 100 control bytes; the batch ends first
    peer.SendRaw(FakeServer::Batch({frame}));
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("BATCH frame holds a STATUS frame of 116 bytes, but only 16")));
  ExpectLaterCallsUnavailable();
}

TEST_P(GarbagePeerTest, BatchWithDescriptorsIsAProtocolError) {
  absl::Status status = CallWhile([](FakeServer& peer, uint32_t id) {
    peer.SendHello();
    std::string batch = FakeServer::Batch({FakeServer::Frame(FrameType::kStatus, id, "")});
    batch[internal::kFdCountOffset] = 1;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    peer.SendRaw(batch, {fds[0]});
    ::close(fds[0]);
    ::close(fds[1]);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("BATCH frame carries 1 descriptors")));
  // The fixture checks that the descriptor that came along was closed.
}

// Calls started by a completion, on the completion thread, to see how they leave.
struct LaterCalls {
  LaterCalls(int count, Request request)
      : request(std::move(request)), replies(count), statuses(count), done(count) {}
  const Request request;
  ClientContext first_context;
  Reply first_reply;
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<Reply> replies;
  std::vector<absl::Status> statuses;
  absl::BlockingCounter done;
};

// Makes a call whose completion starts `count` calls of `request`, each with `timeout`,
// and answers that first call as the server.
std::unique_ptr<LaterCalls> StartCallsFromACompletion(forkrpc::test::Test::Stub& stub,
                                                      FakeServer& server, int count,
                                                      Request request, absl::Duration timeout) {
  auto later = std::make_unique<LaterCalls>(count, std::move(request));
  LaterCalls* calls = later.get();
  forkrpc::test::Test::Stub* on = &stub;
  // The completion runs on the channel's thread, maybe after this returns.
  auto start_later = [calls, on, count, timeout](absl::Status status) {
    EXPECT_THAT(status, IsOk());
    for (int i = 0; i < count; ++i) {
      calls->contexts.push_back(std::make_unique<ClientContext>());
      calls->contexts.back()->set_timeout(timeout);
      on->Echo(*calls->contexts.back(), calls->request, &calls->replies[i],
               [calls, i](absl::Status status) {
                 calls->statuses[i] = status;
                 calls->done.DecrementCount();
               });
    }
  };
  stub.Echo(calls->first_context, Request(), &calls->first_reply, start_later);
  uint32_t first = server.AwaitCallStart();
  server.SendHello();
  server.SendRaw(FakeServer::Frame(FrameType::kStatus, first, "", "", internal::kFlagHasMessage));
  return later;
}

// Calls that completions start in one turn of the completion thread leave in one
// packet: the hand-driven server sees one BATCH of three CALL_STARTs.
TEST_P(GarbagePeerTest, CallsStartedFromCompletionsLeaveInOneBatch) {
  Request request;
  request.set_text("later");
  std::unique_ptr<LaterCalls> later =
      StartCallsFromACompletion(*stub_, *server_, 3, request, absl::Seconds(30));

  std::string packet = server_->ReceivePacket();
  absl::StatusOr<internal::Frame> batch = internal::DecodeFrame(packet, 0);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->header.type, FrameType::kBatch);
  absl::string_view rest = batch->message;
  std::vector<std::string> answers;
  while (!rest.empty()) {
    absl::StatusOr<internal::Frame> start = internal::DecodeBatchedFrame(&rest);
    ASSERT_THAT(start, IsOk());
    EXPECT_EQ(start->header.type, FrameType::kCallStart);
    Request sent;
    ASSERT_TRUE(sent.ParseFromArray(start->message.data(), static_cast<int>(start->message.size())));
    Reply reply;
    reply.set_text(sent.text());
    answers.push_back(FakeServer::Frame(FrameType::kStatus, start->header.call_id, "",
                                        reply.SerializeAsString(), internal::kFlagHasMessage));
  }
  ASSERT_EQ(answers.size(), 3u);
  server_->SendRaw(FakeServer::Batch(answers));
  later->done.Wait();
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(later->statuses[i], IsOk());
    EXPECT_EQ(later->replies[i].text(), "later");
  }
}

// A call that a completion starts and cancels at once: its CANCEL rides in the batch
// behind its CALL_START, never ahead of it.
TEST_P(GarbagePeerTest, CancelInTheSameTurnFollowsItsCallStart) {
  ClientContext first_context, later_context;
  Reply first_reply, later_reply;
  absl::Status later_status;
  absl::Notification later_done;
  stub_->Echo(first_context, Request(), &first_reply, [&](absl::Status) {
    stub_->Echo(later_context, Request(), &later_reply, [&](absl::Status status) {
      later_status = status;
      later_done.Notify();
    });
    later_context.TryCancel();
  });
  uint32_t first = server_->AwaitCallStart();
  server_->SendHello();
  server_->SendRaw(FakeServer::Frame(FrameType::kStatus, first, "", "", internal::kFlagHasMessage));

  std::string packet = server_->ReceivePacket();
  absl::StatusOr<internal::Frame> batch = internal::DecodeFrame(packet, 0);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->header.type, FrameType::kBatch);
  absl::string_view rest = batch->message;
  absl::StatusOr<internal::Frame> start = internal::DecodeBatchedFrame(&rest);
  ASSERT_THAT(start, IsOk());
  absl::StatusOr<internal::Frame> cancel = internal::DecodeBatchedFrame(&rest);
  ASSERT_THAT(cancel, IsOk());
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(start->header.type, FrameType::kCallStart);
  EXPECT_EQ(cancel->header.type, FrameType::kCancel);
  EXPECT_EQ(cancel->header.call_id, start->header.call_id);
  ASSERT_TRUE(later_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_THAT(later_status, StatusIs(absl::StatusCode::kCancelled));
}

// A server that stops reading: the calls a completion starts fill the socket, and the
// batch they wait in cannot go. Each still ends by its deadline, and the completion
// thread is free again afterwards.
TEST_P(GarbagePeerTest, BatchThatCannotGoEndsItsCallsByTheirDeadlines) {
  Request big;
  big.set_payload(std::string(40 << 10, 'b'));  // a few fill the socket's buffer
  std::unique_ptr<LaterCalls> later =
      StartCallsFromACompletion(*stub_, *server_, 8, big, absl::Milliseconds(100));
  later->done.Wait();  // the server reads no more
  for (int i = 0; i < 8; ++i) {
    EXPECT_THAT(later->statuses[i], StatusIs(absl::StatusCode::kDeadlineExceeded,
                                             HasSubstr("passed its deadline")))
        << "call " << i;
  }
  // The completion thread is not stuck: a call that cannot start (its context was used
  // already) still has its callback run.
  absl::Notification again;
  stub_->Echo(later->first_context, Request(), &later->first_reply,
              [&](absl::Status) { again.Notify(); });
  EXPECT_TRUE(again.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(GarbagePeerTest);

}  // namespace
}  // namespace forkrpc::testing
