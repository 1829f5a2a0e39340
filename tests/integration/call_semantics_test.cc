// What a gRPC user expects of a call beyond its messages, against a forked helper over
// both socket types: deadlines, cancellation, metadata both ways, status details,
// unknown methods, handler exceptions, context reuse and peer credentials.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/cord.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using forkrpc::test::Reply;
using forkrpc::test::Request;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// A pipe the helper reports on (WAIT_FOR_CANCEL writes "cancelled").
struct ReportPipe {
  ReportPipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

class CallSemanticsTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam(), report_.write_end.get());
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
    // The helper has its own copy; ours would keep the pipe from reporting end-of-file.
    report_.write_end.reset();
    test_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  }
  void TearDown() override {
    test_.reset();
    if (child_.has_value()) {
      absl::StatusOr<ExitStatus> end = child_->Wait();
      EXPECT_THAT(end, IsOk());
      child_.reset();
    }
    report_.read_end.reset();
    SocketTypeTest::TearDown();
  }

  // Starts a call the helper holds until it is cancelled, cancels it from another
  // thread `delay` later, and checks that both the caller and the handler saw it.
  void ExpectCancelledFromAnotherThreadAfter(absl::Duration delay) {
    ClientContext context;
    Request request;
    request.set_action(Request::WAIT_FOR_CANCEL);
    Reply reply;
    std::thread canceller([&] {
      absl::SleepFor(delay);
      context.TryCancel();
    });
    EXPECT_THAT(test_->Echo(context, request, &reply),
                StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
    canceller.join();
    EXPECT_EQ(ReadLine(report_.read_end.get()), "cancelled");
  }

  ReportPipe report_;
  std::optional<Child> child_;
  std::unique_ptr<forkrpc::test::Test::Stub> test_;
};

TEST_P(CallSemanticsTest, DeadlineExceededWhenTheHelperIsTooSlow) {
  ClientContext context;
  context.set_timeout(absl::Milliseconds(50));
  Request request;
  request.set_action(Request::WAIT_FOR_CANCEL);
  Reply reply;
  EXPECT_THAT(test_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("/forkrpc.test.Test/Echo")));
  // The server saw the deadline pass and the call cancelled.
  EXPECT_EQ(ReadLine(report_.read_end.get()), "cancelled");
}

TEST_P(CallSemanticsTest, ServerSeesTheDeadline) {
  ClientContext context;
  context.set_timeout(absl::Seconds(30));
  Request request;
  request.set_action(Request::REPORT);
  Reply reply;
  ASSERT_THAT(test_->Echo(context, request, &reply), IsOk());
  EXPECT_TRUE(reply.has_deadline());
  EXPECT_GT(reply.deadline_left_millis(), 0);
  EXPECT_LE(reply.deadline_left_millis(), 30000);

  ClientContext unlimited;
  ASSERT_THAT(test_->Echo(unlimited, request, &reply), IsOk());
  EXPECT_FALSE(reply.has_deadline());
}

TEST_P(CallSemanticsTest, DeadlineAlreadyPassedFailsAtOnce) {
  ClientContext context;
  context.set_deadline(absl::Now() - absl::Seconds(1));
  Request request;
  Reply reply;
  EXPECT_THAT(test_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
}

TEST_P(CallSemanticsTest, ChannelDefaultTimeoutAppliesWithoutAContextDeadline) {
  // A second channel to the same kind of helper, with a default timeout.
  SpawnOptions options;
  options.channel_options.default_timeout = absl::Milliseconds(50);
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam(), -1, options);
  ASSERT_THAT(child, IsOk());
  forkrpc::test::Test::Stub stub(child->channel());
  Request request;
  request.set_action(Request::SLEEP);
  request.set_millis(2000);
  EXPECT_THAT(stub.Echo(request),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  ASSERT_THAT(child->Kill(SIGKILL), IsOk());
  EXPECT_THAT(child->Wait(), IsOk());
}

TEST_P(CallSemanticsTest, TryCancelFromAnotherThreadReachesTheServer) {
  ExpectCancelledFromAnotherThreadAfter(absl::Milliseconds(20));
}

// The caller is then blocked in its receive (kReceiveSlice), not waiting on its event
// set: the cancellation still ends the call, within a slice.
TEST_P(CallSemanticsTest, TryCancelRightAfterTheCallStartsEndsIt) {
  Request request;
  request.set_text("warm");
  Reply reply;
  ClientContext warm_up;  // packets have been flowing
  ASSERT_THAT(test_->Echo(warm_up, request, &reply), IsOk());
  ExpectCancelledFromAnotherThreadAfter(absl::Microseconds(500));
}

TEST_P(CallSemanticsTest, TryCancelBeforeTheCallFailsItWithCancelled) {
  ClientContext context;
  context.TryCancel();
  Request request;
  Reply reply;
  EXPECT_THAT(test_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("before it started")));
}

TEST_P(CallSemanticsTest, TryCancelAfterTheCallChangesNothing) {
  ClientContext context;
  Request request;
  request.set_text("kept");
  Reply reply;
  ASSERT_THAT(test_->Echo(context, request, &reply), IsOk());
  context.TryCancel();
  EXPECT_EQ(reply.text(), "kept");
}

TEST_P(CallSemanticsTest, TryCancelEndsAStreamBeingRead) {
  ClientContext context;
  Request request;
  request.set_action(Request::SLEEP);
  request.set_millis(5);
  request.set_count(100000);
  auto reader = test_->Stream(context, request);
  Reply reply;
  ASSERT_TRUE(reader->Read(&reply));
  context.TryCancel();
  while (reader->Read(&reply)) {
  }
  EXPECT_THAT(reader->Finish(), StatusIs(absl::StatusCode::kCancelled));
}

TEST_P(CallSemanticsTest, ContextUsedTwiceFailsWithFailedPrecondition) {
  ClientContext context;
  Request request;
  Reply reply;
  ASSERT_THAT(test_->Echo(context, request, &reply), IsOk());
  EXPECT_THAT(test_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("one per call")));
}

TEST_P(CallSemanticsTest, MetadataTravelsBothWays) {
  ClientContext context;
  context.AddMetadata("request-id", "42");
  context.AddMetadata("request-id", "43");
  context.AddMetadata("trace-bin", std::string("\0\1\2\xff", 4));
  Request request;
  request.set_action(Request::REPORT);
  Reply reply;
  ASSERT_THAT(test_->Echo(context, request, &reply), IsOk());
  EXPECT_THAT(reply.metadata(), ElementsAre("request-id=42", "request-id=43",
                                            std::string("trace-bin=\0\1\2\xff", 14)));
  EXPECT_THAT(context.GetServerInitialMetadata(), Contains(Pair("initial-request-id", "42")));
  EXPECT_THAT(context.GetServerTrailingMetadata(), Contains(Pair("trailing-request-id", "43")));
  EXPECT_THAT(context.GetServerTrailingMetadata(),
              Contains(Pair("trailing-trace-bin", std::string("\0\1\2\xff", 4))));
}

TEST_P(CallSemanticsTest, ServerInitialMetadataRidesOnTheFirstStreamMessage) {
  ClientContext context;
  context.AddMetadata("stream-id", "7");
  Request request;
  request.set_action(Request::REPORT);
  request.set_count(2);
  auto reader = test_->Stream(context, request);
  Reply reply;
  while (reader->Read(&reply)) {
  }
  ASSERT_THAT(reader->Finish(), IsOk());
  EXPECT_THAT(context.GetServerInitialMetadata(), ElementsAre(Pair("initial-stream-id", "7")));
}

TEST_P(CallSemanticsTest, MalformedMetadataKeyFailsTheCallAtItsStart) {
  for (const char* key : {"Upper-Case", "grpc-timeout", "forkrpc-internal", "", "sp ace"}) {
    ClientContext context;
    context.AddMetadata(key, "x");
    Request request;
    Reply reply;
    EXPECT_THAT(test_->Echo(context, request, &reply),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(key)))
        << key;
  }
  ClientContext binary;
  binary.AddMetadata("not-binary", std::string("\x01", 1));
  Request request;
  Reply reply;
  EXPECT_THAT(test_->Echo(binary, request, &reply),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("-bin")));
}

TEST_P(CallSemanticsTest, StatusCodeMessageAndDetailsCrossIntact) {
  ClientContext context;
  Request request;
  request.set_action(Request::FAIL);
  request.set_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  request.set_text("the widget is not ready");
  request.set_payload(std::string("detail\0bytes", 12));
  Reply reply;
  absl::Status status = test_->Echo(context, request, &reply);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, "the widget is not ready"));
  auto detail = status.GetPayload(kFailureDetailType);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(std::string(*detail), std::string("detail\0bytes", 12));
  EXPECT_THAT(context.GetServerTrailingMetadata(),
              Contains(Pair("failure-reason", "the widget is not ready")));
}

TEST_P(CallSemanticsTest, EveryStatusCodeCrosses) {
  for (int code = 1; code <= 16; ++code) {
    ClientContext context;
    Request request;
    request.set_action(Request::FAIL);
    request.set_code(code);
    request.set_text(absl::StrCat("code ", code));
    Reply reply;
    EXPECT_THAT(test_->Echo(context, request, &reply),
                StatusIs(static_cast<absl::StatusCode>(code), absl::StrCat("code ", code)));
  }
}

TEST_P(CallSemanticsTest, HandlerThatThrowsAnswersUnknownAndTheHelperCarriesOn) {
  ClientContext context;
  Request request;
  request.set_action(Request::THROW);
  request.set_text("boom");
  Reply reply;
  EXPECT_THAT(test_->Echo(context, request, &reply),
              StatusIs(absl::StatusCode::kUnknown, "handler threw: boom"));
  Request echo;
  echo.set_text("still here");
  absl::StatusOr<Reply> again = test_->Echo(echo);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->text(), "still here");
}

TEST_P(CallSemanticsTest, UnknownMethodAndServiceAnswerUnimplementedNamingThem) {
  static constexpr RpcMethod kMissingMethod{"/forkrpc.test.Test/Missing", RpcKind::kUnary};
  static constexpr RpcMethod kMissingService{"/nowhere.Gone/Echo", RpcKind::kUnary};
  Request request;
  Reply reply;
  ClientContext first;
  EXPECT_THAT(child_->channel()->Call(kMissingMethod, first, request, &reply),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("/forkrpc.test.Test/Missing")));
  ClientContext second;
  EXPECT_THAT(child_->channel()->Call(kMissingService, second, request, &reply),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("/nowhere.Gone/Echo")));
}

TEST_P(CallSemanticsTest, MethodNotOverriddenAnswersUnimplemented) {
  absl::StatusOr<Child> child = Spawn(
      [](Server& server) { server.Register(std::make_unique<forkrpc::test::Test::Service>()); },
      SpawnOptions{.socket_type = GetParam(), .name = "bare"});
  ASSERT_THAT(child, IsOk());
  forkrpc::test::Test::Stub stub(child->channel());
  Request request;
  EXPECT_THAT(stub.Echo(request),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("/forkrpc.test.Test/Echo")));
  EXPECT_THAT(child->Wait(), IsOk());
}

TEST_P(CallSemanticsTest, ServerSeesTheClientsCredentials) {
  Request request;
  request.set_action(Request::REPORT);
  absl::StatusOr<Reply> reply = test_->Echo(request);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->peer_pid(), ::getpid());
  EXPECT_EQ(reply->peer_uid(), static_cast<int32_t>(::getuid()));
  EXPECT_EQ(reply->server_pid(), child_->pid());
}

TEST_P(CallSemanticsTest, AsyncCallRunsItsCallbackWithTheResult) {
  ClientContext context;
  Request request;
  request.set_text("async");
  Reply reply;
  absl::Notification done;
  absl::Status result = absl::UnknownError("not run");
  test_->Echo(context, request, &reply, [&](absl::Status status) {
    result = status;
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_THAT(result, IsOk());
  EXPECT_EQ(reply.text(), "async");
}

TEST_P(CallSemanticsTest, AsyncCallsMeetTheirDeadlinesWhileTheHelperHangs) {
  constexpr int kCalls = 8;
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<Reply> replies(kCalls);
  std::vector<absl::Status> results(kCalls);
  absl::BlockingCounter remaining(kCalls);
  Request request;
  request.set_action(Request::WAIT_FOR_CANCEL);
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<ClientContext>());
    contexts.back()->set_timeout(absl::Milliseconds(20 + 10 * i));
    test_->Echo(*contexts.back(), request, &replies[i], [&, i](absl::Status status) {
      results[i] = status;
      remaining.DecrementCount();
    });
  }
  remaining.Wait();
  for (const absl::Status& status : results) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  }
}

TEST_P(CallSemanticsTest, AsyncCallThatCannotStartStillRunsItsCallbackOnce) {
  ClientContext context;
  context.TryCancel();
  Request request;
  Reply reply;
  absl::Notification done;
  absl::Status result;
  test_->Echo(context, request, &reply, [&](absl::Status status) {
    result = status;
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled));
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(CallSemanticsTest);

}  // namespace
}  // namespace forkrpc::testing
