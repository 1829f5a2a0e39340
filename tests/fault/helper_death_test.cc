// Helpers that die or stop answering while calls are in flight: every pending call
// fails at once with UNAVAILABLE naming the helper, its pid and how it ended, over
// both socket types (SOCK_DGRAM has no end-of-file: the pidfd tells).
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

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
using ::testing::AllOf;
using ::testing::HasSubstr;

class HelperDeathTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
    stub_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  }
  void TearDown() override {
    stub_.reset();
    child_.reset();  // kills and reaps whatever is left
    SocketTypeTest::TearDown();
  }

  // What a status about the helper dying of `signal_name` says.
  ::testing::Matcher<absl::Status> KilledBy(const std::string& signal_name) {
    return StatusIs(absl::StatusCode::kUnavailable,
                    AllOf(HasSubstr(absl::StrCat("helper test (pid ", child_->pid(), ")")),
                          HasSubstr(signal_name)));
  }

  // Kills the helper with `signal` once `started` is notified.
  std::thread KillWhen(absl::Notification& started, int signal = SIGKILL) {
    return std::thread([this, &started, signal] {
      started.WaitForNotification();
      absl::SleepFor(absl::Milliseconds(20));  // let the call reach the helper
      EXPECT_THAT(child_->Kill(signal), IsOk());
    });
  }

  // An Echo made with `context` that the helper never answers.
  absl::Status HangingEcho(ClientContext& context) {
    Request request;
    request.set_action(Request::HANG);
    Reply reply;
    return stub_->Echo(context, request, &reply);
  }

  std::optional<Child> child_;
  std::unique_ptr<forkrpc::test::Test::Stub> stub_;
};

TEST_P(HelperDeathTest, KilledDuringAUnaryCall) {
  absl::Notification started;
  std::thread killer = KillWhen(started);
  ClientContext context;
  started.Notify();
  EXPECT_THAT(HangingEcho(context), KilledBy("killed by signal 9 (SIGKILL)"));
  killer.join();
  absl::StatusOr<ExitStatus> end = child_->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_EQ(*end, ExitStatus::Killed(SIGKILL));
}

TEST_P(HelperDeathTest, KilledDuringAServerStream) {
  ClientContext context;
  Request request;
  request.set_action(Request::SLEEP);
  request.set_millis(1);
  request.set_count(1000000);
  auto reader = stub_->Stream(context, request);
  Reply reply;
  ASSERT_TRUE(reader->Read(&reply));
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  while (reader->Read(&reply)) {
  }
  EXPECT_THAT(reader->Finish(), KilledBy("SIGKILL"));
}

TEST_P(HelperDeathTest, KilledDuringAClientStream) {
  ClientContext context;
  Reply reply;
  auto writer = stub_->Collect(context, &reply);
  Request request;
  request.set_text("x");
  ASSERT_TRUE(writer->Write(request));
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  // Writes fail once the death is noticed; none of them hangs.
  for (int i = 0; i < 100000 && writer->Write(request); ++i) {
  }
  EXPECT_THAT(writer->Finish(), KilledBy("SIGKILL"));
}

TEST_P(HelperDeathTest, KilledDuringABidiStream) {
  ClientContext context;
  auto stream = stub_->Chat(context);
  Request request;
  request.set_text("ping");
  ASSERT_TRUE(stream->Write(request));
  Reply reply;
  ASSERT_TRUE(stream->Read(&reply));
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_THAT(stream->Finish(), KilledBy("SIGKILL"));
}

TEST_P(HelperDeathTest, KilledWhileIdle) {
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  Request request;
  absl::StatusOr<Reply> reply = stub_->Echo(request);
  EXPECT_THAT(reply, StatusIs(absl::StatusCode::kUnavailable,
                              HasSubstr(absl::StrCat("pid ", child_->pid()))));
  // Later calls fail the same way, at once.
  EXPECT_THAT(stub_->Echo(request), StatusIs(absl::StatusCode::kUnavailable));
}

// The CPU time this process has used, user and system.
absl::Duration ProcessCpuTime() {
  timespec used;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
  return absl::DurationFromTimespec(used);
}

// A channel that made an async call has a thread running its completions. Once the
// connection has failed there is nothing left for it to read, and it must sleep rather
// than find that out again and again.
TEST_P(HelperDeathTest, AsyncCompletionThreadSleepsOnceTheHelperIsGone) {
  Request request;
  Reply reply;
  ClientContext context;
  absl::Notification answered;
  absl::Status async_status;
  stub_->Echo(context, request, &reply, [&](absl::Status status) {
    async_status = std::move(status);
    answered.Notify();
  });
  answered.WaitForNotification();
  ASSERT_THAT(async_status, IsOk());
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  EXPECT_THAT(stub_->Echo(request).status(), KilledBy("SIGKILL"));  // the channel failed

  // Idle, the process uses next to no CPU; a thread spinning uses all of one.
  constexpr absl::Duration kIdle = absl::Milliseconds(300);
  absl::Duration cpu_before = ProcessCpuTime();
  absl::SleepFor(kIdle);
  EXPECT_LT(ProcessCpuTime() - cpu_before, kIdle / 3);

  // Async calls made now still complete, with the failure.
  ClientContext later;
  absl::Notification failed;
  stub_->Echo(later, request, &reply, [&](absl::Status status) {
    async_status = std::move(status);
    failed.Notify();
  });
  failed.WaitForNotification();
  EXPECT_THAT(async_status, KilledBy("SIGKILL"));
}

TEST_P(HelperDeathTest, EveryPendingCallFailsAtOnce) {
  constexpr int kCallers = 16;
  std::vector<std::thread> callers;
  std::vector<absl::Status> results(kCallers);
  std::atomic<int> started{0};
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      ClientContext context;
      ++started;
      results[i] = HangingEcho(context);
    });
  }
  while (started.load() < kCallers) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(50));
  ASSERT_THAT(child_->Kill(SIGKILL), IsOk());
  for (std::thread& caller : callers) caller.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, KilledBy("SIGKILL"));
}

TEST_P(HelperDeathTest, CrashNamesTheSignal) {
  absl::Notification started;
  std::thread killer = KillWhen(started, SIGSEGV);
  ClientContext context;
  started.Notify();
  EXPECT_THAT(HangingEcho(context), KilledBy("(SIGSEGV)"));
  killer.join();
}

TEST_P(HelperDeathTest, HelperThatNeverAnswersMeetsTheDeadline) {
  ClientContext context;
  context.set_timeout(absl::Milliseconds(100));
  EXPECT_THAT(HangingEcho(context), StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The hung handler holds one thread; the helper still answers others.
  Request echo;
  echo.set_text("alive");
  absl::StatusOr<Reply> alive = stub_->Echo(echo);
  ASSERT_THAT(alive, IsOk());
  EXPECT_EQ(alive->text(), "alive");
}

TEST_P(HelperDeathTest, WaitReturnsEvenWhenAHandlerNeverDoes) {
  ClientContext context;
  context.set_timeout(absl::Milliseconds(50));
  EXPECT_THAT(HangingEcho(context), StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The helper gives the hung handler a grace period, then exits on its own.
  absl::StatusOr<ExitStatus> end = child_->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_TRUE(end->exited()) << end->ToString();
}

TEST_P(HelperDeathTest, HungStreamMeetsTheDeadline) {
  ClientContext context;
  context.set_timeout(absl::Milliseconds(100));
  auto stream = stub_->Chat(context);
  Request request;
  request.set_action(Request::HANG);
  ASSERT_TRUE(stream->Write(request));
  Reply reply;
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_THAT(stream->Finish(), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(HelperDeathTest, HelperExitingNormallyWithCallsPendingFailsThem) {
  std::thread hanging([&] {
    ClientContext context;
    EXPECT_THAT(HangingEcho(context),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("exited with status 0")));
  });
  absl::SleepFor(absl::Milliseconds(50));
  Request exit;
  exit.set_action(Request::EXIT);
  exit.set_code(0);
  EXPECT_THAT(stub_->Echo(exit),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("exited with status 0")));
  hanging.join();
  absl::StatusOr<ExitStatus> end = child_->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_TRUE(end->success());
}

TEST_P(HelperDeathTest, ExitStatusIsNamed) {
  Request exit;
  exit.set_action(Request::EXIT);
  exit.set_code(3);
  EXPECT_THAT(stub_->Echo(exit), StatusIs(absl::StatusCode::kUnavailable,
                                          HasSubstr(absl::StrCat("helper test (pid ", child_->pid(),
                                                                 ") exited with status 3"))));
  absl::StatusOr<ExitStatus> end = child_->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_EQ(*end, ExitStatus::Exited(3));
}

TEST_P(HelperDeathTest, CloseFailsPendingCallsWithUnavailable) {
  std::thread hanging([&] {
    ClientContext context;
    EXPECT_THAT(HangingEcho(context),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed")));
  });
  absl::SleepFor(absl::Milliseconds(50));
  child_->channel()->Close();
  hanging.join();
  Request request;
  EXPECT_THAT(stub_->Echo(request), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed")));
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(HelperDeathTest);

}  // namespace
}  // namespace forkrpc::testing
