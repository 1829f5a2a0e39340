// Many calls at once on one channel to a forked helper, over both socket types: replies
// are matched to their calls, and a stalled stream holds up nobody else.
#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
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

class ConcurrencyTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
  }
  void TearDown() override {
    if (child_.has_value()) {
      EXPECT_THAT(child_->Wait(), IsOk());
      child_.reset();
    }
    SocketTypeTest::TearDown();
  }
  std::optional<Child> child_;
};

TEST_P(ConcurrencyTest, SixtyFourCallersShareOneChannel) {
  constexpr int kThreads = 64;
  constexpr int kCallsEach = 200;
  forkrpc::test::Test::Stub stub(child_->channel());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        Request request;
        request.set_text(absl::StrCat(t, ":", i));
        // Some calls are slow so replies arrive out of order.
        if (i % 50 == 0) {
          request.set_action(Request::SLEEP);
          request.set_millis(2);
        }
        absl::StatusOr<Reply> reply = stub.Echo(request);
        if (!reply.ok() || reply->text() != request.text()) {
          if (failures++ == 0) ADD_FAILURE() << "first failure: " << reply.status();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(ConcurrencyTest, SixtyFourAsyncCallsInFlightFromOneThread) {
  constexpr int kCalls = 64;
  forkrpc::test::Test::Stub stub(child_->channel());
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<Request> requests(kCalls);
  std::vector<Reply> replies(kCalls);
  std::atomic<int> mismatches{0};
  absl::BlockingCounter remaining(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<ClientContext>());
    requests[i].set_text(std::to_string(i));
    stub.Echo(*contexts[i], requests[i], &replies[i], [&, i](absl::Status status) {
      if (!status.ok() || replies[i].text() != std::to_string(i)) ++mismatches;
      remaining.DecrementCount();
    });
  }
  remaining.Wait();
  EXPECT_EQ(mismatches.load(), 0);
}

// Each completion starts the next call on its slot, from the channel's completion
// thread, the way a pipelining client keeps its window full: the calls that completions
// start together go out together (in BATCH packets), among them slow, failing and
// cancelled ones. Every call must still get its own answer.
TEST_P(ConcurrencyTest, CallsStartedFromCompletionsEachGetTheirOwnAnswer) {
  constexpr int kSlots = 32;
  constexpr int kCalls = 3000;
  forkrpc::test::Test::Stub stub(child_->channel());
  struct Slot {
    std::unique_ptr<ClientContext> context;
    Request request;
    Reply reply;
    int number = 0;
  };
  std::vector<Slot> slots(kSlots);
  absl::Mutex mu;
  int started = 0;
  std::vector<std::string> wrong;
  absl::BlockingCounter remaining(kCalls);
  // What call `number` is asked to do: every 97th sleeps a little, every 89th fails,
  // every 83rd is cancelled by the client the moment it starts.
  // Numbered from 1; the first kSlots start from this thread, the rest from completions.
  std::function<void(Slot&)> start = [&](Slot& slot) {
    int number = slot.number;  // the slot is the completion's once the call is started
    slot.context = std::make_unique<ClientContext>();
    slot.context->set_timeout(absl::Seconds(60));  // a lost call fails, not wedges, the test
    slot.request.Clear();
    slot.request.set_text(absl::StrCat("call ", slot.number));
    if (slot.number % 97 == 0) {
      slot.request.set_action(Request::SLEEP);
      slot.request.set_millis(1);
    } else if (slot.number % 89 == 0) {
      slot.request.set_action(Request::FAIL);
      slot.request.set_code(static_cast<int>(absl::StatusCode::kAborted));
    }
    stub.Echo(*slot.context, slot.request, &slot.reply, [&](absl::Status status) {
      std::string problem;
      if (slot.number % 83 == 0) {
        // Cancelled in the same turn it started: cancelled, unless the answer came first.
        if (!status.ok() && status.code() != absl::StatusCode::kCancelled) {
          problem = status.ToString();
        }
      } else if (slot.number % 89 == 0) {
        if (status.code() != absl::StatusCode::kAborted ||
            status.message() != slot.request.text()) {
          problem = status.ToString();
        }
      } else if (!status.ok() || slot.reply.text() != slot.request.text()) {
        problem = absl::StrCat(status.ToString(), " / ", slot.reply.text());
      }
      bool again = false;
      {
        absl::MutexLock lock(&mu);
        if (!problem.empty()) wrong.push_back(absl::StrCat(slot.request.text(), ": ", problem));
        if (started < kCalls) {
          slot.number = ++started;
          again = true;
        }
      }
      if (again) start(slot);
      remaining.DecrementCount();
    });
    // Only calls started from a completion (numbers past kSlots) are cancelled here:
    // their completion cannot run before this one returns.
    if (number % 83 == 0) slot.context->TryCancel();
  };
  {
    absl::MutexLock lock(&mu);
    started = kSlots;
  }
  for (int i = 0; i < kSlots; ++i) {
    slots[i].number = i + 1;
    start(slots[i]);
  }
  remaining.Wait();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(wrong, ::testing::IsEmpty());
}

// Checks that unary calls and a fresh stream on `stub` still complete.
void ExpectChannelStillServes(forkrpc::test::Test::Stub& stub) {
  for (int i = 0; i < 100; ++i) {
    Request request;
    request.set_text(std::to_string(i));
    absl::StatusOr<Reply> reply = stub.Echo(request);
    ASSERT_THAT(reply, IsOk());
    ASSERT_EQ(reply->text(), std::to_string(i));
  }
  ClientContext context;
  auto other = stub.Chat(context);
  for (int i = 0; i < 50; ++i) {
    Request request;
    request.set_text(std::to_string(i));
    ASSERT_TRUE(other->Write(request));
    Reply reply;
    ASSERT_TRUE(other->Read(&reply));
    ASSERT_EQ(reply.text(), std::to_string(i));
  }
  other->WritesDone();
  EXPECT_THAT(other->Finish(), IsOk());
}

TEST_P(ConcurrencyTest, UnreadBidiRepliesBlockNeitherUnaryCallsNorOtherStreams) {
  forkrpc::test::Test::Stub stub(child_->channel());
  // The server answers each message with as big a reply, which the client never reads:
  // they fill the stream's window at the client.
  ClientContext stalled_context;
  auto stalled = stub.Chat(stalled_context);
  Request big;
  big.set_payload(std::string(100 << 10, 'x'));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stalled->Write(big));
  ExpectChannelStillServes(stub);
  stalled_context.TryCancel();
  EXPECT_THAT(stalled->Finish(), StatusIs(absl::StatusCode::kCancelled));
}

TEST_P(ConcurrencyTest, ServerStreamBlockedOnCreditBlocksNeitherUnaryCallsNorOtherStreams) {
  forkrpc::test::Test::Stub stub(child_->channel());
  // The server streams far more than a window; the client reads one message and stops,
  // so the server's writer waits for credit that does not come.
  ClientContext stalled_context;
  Request flood;
  flood.set_payload(std::string(16 << 10, 'y'));
  flood.set_count(100000);
  auto stalled = stub.Stream(stalled_context, flood);
  Reply first;
  ASSERT_TRUE(stalled->Read(&first));
  ExpectChannelStillServes(stub);
  // The stalled stream resumes where it stopped once it is read again.
  Reply next;
  for (int i = 1; i < 100; ++i) {
    ASSERT_TRUE(stalled->Read(&next));
    ASSERT_EQ(next.index(), i);
  }
  stalled_context.TryCancel();
  EXPECT_THAT(stalled->Finish(), StatusIs(absl::StatusCode::kCancelled));
}

TEST_P(ConcurrencyTest, ManyStreamsAtOnce) {
  forkrpc::test::Test::Stub stub(child_->channel());
  constexpr int kStreams = 16;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int s = 0; s < kStreams; ++s) {
    threads.emplace_back([&, s] {
      ClientContext context;
      Request request;
      request.set_text(std::to_string(s));
      request.set_count(500);
      auto reader = stub.Stream(context, request);
      Reply reply;
      int expected = 0;
      while (reader->Read(&reply)) {
        if (reply.index() != expected++ || reply.text() != std::to_string(s)) ++failures;
      }
      if (expected != 500 || !reader->Finish().ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// An async call the helper holds (WAIT_FOR_CANCEL) until Release cancels it.
class HeldCall {
 public:
  explicit HeldCall(forkrpc::test::Test::Stub& stub) {
    request_.set_action(Request::WAIT_FOR_CANCEL);
    stub.Echo(context_, request_, &reply_, [this](absl::Status) { done_.Notify(); });
  }
  ~HeldCall() { Release(); }
  // Cancels the call; true once its callback has run.
  bool Release() {
    context_.TryCancel();
    return done_.WaitForNotificationWithTimeout(absl::Seconds(30));
  }

 private:
  ClientContext context_;
  Request request_;
  Reply reply_;
  absl::Notification done_;
};

TEST_P(ConcurrencyTest, SlowHandlerHoldsUpNoOtherCall) {
  forkrpc::test::Test::Stub stub(child_->channel());
  HeldCall slow(stub);
  for (int i = 0; i < 20; ++i) {
    Request request;
    request.set_text("quick");
    absl::StatusOr<Reply> reply = stub.Echo(request);
    ASSERT_THAT(reply, IsOk());
  }
  EXPECT_TRUE(slow.Release());
}

// Threads the process `pid` runs, from /proc.
int ThreadsOf(pid_t pid) {
  int count = 0;
  std::error_code error;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/task"), error)) {
    ++count;
  }
  return count;
}

// A helper's pool starts with one thread and makes a second only when a call keeps the
// first one from the socket for the watchdog period: short calls, one at a time, never
// need it. Its main thread supervises.
TEST_P(ConcurrencyTest, PoolGrowsOnlyWhenACallIsSlow) {
  forkrpc::test::Test::Stub stub(child_->channel());
  for (int i = 0; i < 200; ++i) {
    Request request;
    request.set_text("quick");
    ASSERT_THAT(stub.Echo(request), IsOk());
  }
  EXPECT_EQ(ThreadsOf(child_->pid()), 2) << "the main thread and one pool thread";

  // A call that holds its thread: the next call is still answered, by a second thread.
  HeldCall slow(stub);
  Request quick;
  quick.set_text("quick");
  ASSERT_THAT(stub.Echo(quick), IsOk());
  // The second pool thread, and maybe a third, spare for it as a pool of two keeps.
  EXPECT_GE(ThreadsOf(child_->pid()), 3);
  EXPECT_TRUE(slow.Release());
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(ConcurrencyTest);

}  // namespace
}  // namespace forkrpc::testing
