// The Server's life: serving until the client closes, Start and Wait, registration
// errors, and Shutdown(deadline), which lets running handlers finish until the deadline
// and then cancels them (their clients get UNAVAILABLE). The server runs in this process
// on threads of its own, over a real socketpair of each type.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/wire.pb.h"
#include "tests/support/fake_server.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using forkrpc::test::Reply;
using forkrpc::test::Request;
using ::testing::HasSubstr;

class ServerTest : public SocketTypeTest {
 protected:
  // Starts `server_` on one end of a fresh pair and a channel on the other.
  void StartServing() {
    absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
    ASSERT_THAT(ends, IsOk());
    ASSERT_THAT(server_->Start(std::move(ends->first)), IsOk());
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(std::move(ends->second));
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
    stub_ = std::make_unique<forkrpc::test::Test::Stub>(channel_);
  }
  void TearDown() override {
    stub_.reset();
    channel_.reset();
    server_.reset();
    report_read_.reset();
    report_write_.reset();
    SocketTypeTest::TearDown();
  }

  // A server whose WAIT_FOR_CANCEL reports to report_read_.
  void MakeServer() {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    report_read_.reset(fds[0]);
    report_write_.reset(fds[1]);
    server_ = std::make_unique<Server>();
    server_->Register(std::make_unique<TestServiceImpl>(report_write_.get()));
  }

  UniqueFd report_read_, report_write_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<forkrpc::test::Test::Stub> stub_;
};

TEST_P(ServerTest, ServingEndsOkWhenTheClientCloses) {
  MakeServer();
  StartServing();
  Request request;
  request.set_text("hi");
  ASSERT_THAT(stub_->Echo(request), IsOk());
  channel_->Close();
  EXPECT_THAT(server_->Wait(), IsOk());
}

TEST_P(ServerTest, ShutdownLetsARunningHandlerFinishBeforeTheDeadline) {
  MakeServer();
  StartServing();
  absl::Status slow_result;
  std::thread slow([&] {
    Request request;
    request.set_action(Request::SLEEP);
    request.set_millis(200);
    request.set_text("finished");
    absl::StatusOr<Reply> reply = stub_->Echo(request);
    slow_result = reply.status();
    if (reply.ok()) EXPECT_EQ(reply->text(), "finished");
  });
  absl::SleepFor(absl::Milliseconds(50));  // the call is in its handler
  server_->Shutdown(absl::Now() + absl::Seconds(30));
  slow.join();
  EXPECT_THAT(slow_result, IsOk());
  EXPECT_THAT(server_->Wait(), IsOk());
  Request late;
  EXPECT_THAT(stub_->Echo(late), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_P(ServerTest, ShutdownCancelsHandlersStillRunningAtTheDeadline) {
  MakeServer();
  StartServing();
  absl::Status stuck_result;
  std::thread stuck([&] {
    Request request;
    request.set_action(Request::WAIT_FOR_CANCEL);
    ClientContext context;
    Reply reply;
    stuck_result = stub_->Echo(context, request, &reply);
  });
  absl::SleepFor(absl::Milliseconds(50));
  server_->Shutdown(absl::Now() + absl::Milliseconds(100));
  stuck.join();
  EXPECT_THAT(stuck_result, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shut down")));
  EXPECT_EQ(ReadLine(report_read_.get()), "cancelled");
  EXPECT_THAT(server_->Wait(), IsOk());
}

TEST_P(ServerTest, CallsStartedDuringShutdownAreRefused) {
  MakeServer();
  StartServing();
  std::thread stuck([&] {
    Request request;
    request.set_action(Request::WAIT_FOR_CANCEL);
    ClientContext context;
    Reply reply;
    stub_->Echo(context, request, &reply).IgnoreError();
  });
  absl::SleepFor(absl::Milliseconds(50));
  std::thread shutdown([&] { server_->Shutdown(absl::Now() + absl::Seconds(1)); });
  absl::SleepFor(absl::Milliseconds(100));  // shutting down, the stuck call still running
  Request request;
  EXPECT_THAT(stub_->Echo(request),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
  shutdown.join();
  stuck.join();
  EXPECT_THAT(server_->Wait(), IsOk());
}

// A server refuses a CALL_START it cannot serve with a STATUS sent as a control frame,
// which waits in a queue while the socket is full. Here the client sends thousands
// without reading (so the server must go on reading while it cannot send), then only
// reads: every refusal must reach it, though nothing it sends wakes the server again.
TEST_P(ServerTest, RefusalsQueuedForWantOfRoomReachAClientThatOnlyReads) {
  MakeServer();
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  ASSERT_THAT(server_->Start(std::move(ends->first)), IsOk());
  FakeServer client(std::move(ends->second));  // the protocol by hand, from the client's end
  // A server that stops reading, or loses a refusal, fails the test rather than hang it.
  timeval patience{10, 0};
  ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience)), 0);
  ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof(patience)), 0);
  client.SendHello();
  wire::CallStart start;
  start.set_method("/forkrpc.test.Test/NoSuchMethod");
  const std::string control = start.SerializeAsString();
  constexpr uint32_t kCalls = 3000;
  for (uint32_t id = 1; id <= kCalls; ++id) {
    client.SendRaw(FakeServer::Frame(internal::FrameType::kCallStart, id, control));
  }
  std::vector<bool> refused(kCalls + 1, false);
  uint32_t count = 0;
  while (count < kCalls) {
    std::string packet = client.ReceivePacket();
    ASSERT_GE(packet.size(), internal::kFrameHeaderSize)
        << "only " << count << " of " << kCalls << " refusals arrived";
    internal::FrameHeader header = internal::ReadFrameHeader(packet.data());
    if (header.type != internal::FrameType::kStatus) continue;  // the server's hello
    ASSERT_TRUE(header.call_id >= 1 && header.call_id <= kCalls) << header.call_id;
    ASSERT_FALSE(refused[header.call_id]) << "call " << header.call_id << " refused twice";
    refused[header.call_id] = true;
    ++count;
  }
}

TEST_P(ServerTest, RegistrationErrorIsWhatServingReturns) {
  server_ = std::make_unique<Server>();
  CalcImpl calc;
  server_->Register(&calc);
  server_->Register(&calc);
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  EXPECT_THAT(server_->Serve(std::move(ends->first)),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("demo.Calc")));
}

TEST_P(ServerTest, RegisteringAfterServingBeganIsAnError) {
  MakeServer();
  StartServing();
  Request request;
  ASSERT_THAT(stub_->Echo(request), IsOk());  // serving for sure
  server_->Register(std::make_unique<CalcImpl>());
  channel_->Close();
  server_->Wait().IgnoreError();
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  EXPECT_THAT(server_->Serve(std::move(ends->first)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("serving already")));
}

TEST_P(ServerTest, StartingTwiceIsAnError) {
  MakeServer();
  StartServing();
  absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
  ASSERT_THAT(ends, IsOk());
  EXPECT_THAT(server_->Start(std::move(ends->first)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(ServerTest, NotAClientSocketIsRefused) {
  MakeServer();
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd write_end(fds[1]);
  EXPECT_THAT(server_->Serve(UniqueFd(fds[0])),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an AF_UNIX")));
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(ServerTest);

}  // namespace
}  // namespace forkrpc::testing
