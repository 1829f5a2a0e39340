// busy_poll_test: polling goes on while it pays and becomes rare while it does not,
// judged on a clock the test moves, so no outcome depends on the machine's speed.
#include "forkrpc/internal/busy_poll.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace forkrpc::internal {
namespace {

constexpr absl::Duration kBudget = absl::Microseconds(50);
constexpr int64_t kTryNanos = 500;  // what each try takes on the test's clock

int64_t fake_now = 0;
int64_t FakeNow() { return fake_now; }

// A try that takes kTryNanos and finds something on try number `finds_on` (from 1);
// never when 0.
// FunctionRef calls it as const: the count is its only state.
struct ScriptedTries {
  int finds_on = 0;
  mutable int tries = 0;
  bool operator()() const {
    fake_now += kTryNanos;
    return ++tries == finds_on;
  }
};

// How many waits in a row skip polling from now on (the next one that polls is not
// counted).
int SkippedWaits(BusyPoll& poll) {
  int skipped = 0;
  while (!poll.ShouldPoll()) ++skipped;
  return skipped;
}

// Makes a poll on `poll` run out its budget.
void Expire(BusyPoll& poll) {
  ScriptedTries never;
  ASSERT_FALSE(poll.Poll(never));
  ASSERT_EQ(poll.last_outcome(), PollOutcome::kExpired);
}

TEST(BusyPollTest, FirstWaitsDoNotPoll) {
  BusyPoll poll(kBudget, FakeNow);
  EXPECT_EQ(SkippedWaits(poll), static_cast<int>(BusyPoll::kWaitsBeforeFirstPoll));
  EXPECT_TRUE(poll.ShouldPoll());
}

TEST(BusyPollTest, ZeroBudgetNeverPolls) {
  BusyPoll poll(absl::ZeroDuration(), FakeNow);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(poll.ShouldPoll());
}

TEST(BusyPollTest, PollsUntilSomethingComes) {
  BusyPoll poll(kBudget, FakeNow);
  SkippedWaits(poll);
  ScriptedTries third{3};
  EXPECT_TRUE(poll.Poll(third));
  EXPECT_EQ(third.tries, 3);
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kArrived);
  EXPECT_EQ(SkippedWaits(poll), 0);
}

TEST(BusyPollTest, StopsWhenTheBudgetRunsOut) {
  BusyPoll poll(kBudget, FakeNow);
  int64_t start = fake_now;
  ScriptedTries never;
  EXPECT_FALSE(poll.Poll(never));
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kExpired);
  EXPECT_GE(fake_now - start, absl::ToInt64Nanoseconds(kBudget));
  EXPECT_LT(fake_now - start, absl::ToInt64Nanoseconds(kBudget) + 2 * kTryNanos);
}

TEST(BusyPollTest, PollsThatDoNotPayDoubleTheWaitsSkipped) {
  BusyPoll poll(kBudget, FakeNow);
  for (int expected : {1, 2, 4, 8, 16}) {
    Expire(poll);
    EXPECT_EQ(SkippedWaits(poll), expected);
  }
}

TEST(BusyPollTest, WaitsSkippedStopGrowingAtTheMost) {
  BusyPoll poll(kBudget, FakeNow);
  int skipped = 0;
  for (int i = 0; i < 20; ++i) {
    Expire(poll);
    skipped = SkippedWaits(poll);
  }
  EXPECT_EQ(skipped, static_cast<int>(BusyPoll::kMaxSkippedWaits));
}

TEST(BusyPollTest, APollThatPaysMakesEveryWaitPollAgain) {
  BusyPoll poll(kBudget, FakeNow);
  for (int i = 0; i < 5; ++i) {
    Expire(poll);
    SkippedWaits(poll);
  }
  ScriptedTries second{2};
  ASSERT_TRUE(poll.Poll(second));
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kArrived);
  EXPECT_EQ(SkippedWaits(poll), 0);
  Expire(poll);
  EXPECT_EQ(SkippedWaits(poll), 1);
}

TEST(BusyPollTest, AFirstTryThatFindsSomethingTeachesNothing) {
  BusyPoll poll(kBudget, FakeNow);
  Expire(poll);
  EXPECT_EQ(SkippedWaits(poll), 1);
  ScriptedTries first{1};
  EXPECT_TRUE(poll.Poll(first));
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kAtOnce);
  EXPECT_EQ(SkippedWaits(poll), 0);
  // Still backing off: the next poll that does not pay skips twice as many waits.
  Expire(poll);
  EXPECT_EQ(SkippedWaits(poll), 2);
}

TEST(BusyPollTest, TimeOffTheCpuEndsThePollAndCountsAgainstIt) {
  BusyPoll poll(kBudget, FakeNow);
  int tries = 0;
  // The second try returns long after the first: another thread had the CPU.
  bool found = poll.Poll([&] {
    fake_now += ++tries == 2 ? BusyPoll::kOffCpuGapNanos + 1 : kTryNanos;
    return false;
  });
  EXPECT_FALSE(found);
  EXPECT_EQ(tries, 2);
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kInterrupted);
  EXPECT_EQ(SkippedWaits(poll), 1);
}

TEST(BusyPollTest, WhatCameAfterTimeOffTheCpuIsTakenButCountsAgainstPolling) {
  BusyPoll poll(kBudget, FakeNow);
  // Found on the third try, which returned late: the peer may have run in our stead.
  int tries = 0;
  bool found = poll.Poll([&] {
    fake_now += ++tries == 3 ? BusyPoll::kOffCpuGapNanos + 1 : kTryNanos;
    return tries == 3;
  });
  EXPECT_TRUE(found);
  EXPECT_EQ(poll.last_outcome(), PollOutcome::kInterrupted);
  EXPECT_EQ(SkippedWaits(poll), 1);
}

}  // namespace
}  // namespace forkrpc::internal
