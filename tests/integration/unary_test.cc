// Unary calls into a forked helper, over both socket types.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using ::testing::HasSubstr;

using UnaryTest = SocketTypeTest;

TEST_P(UnaryTest, AddReturnsTheSum) {
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
  ASSERT_THAT(child, IsOk());
  demo::Calc::Stub calc(child->channel());
  demo::AddRequest request;
  request.set_a(2);
  request.set_b(40);
  absl::StatusOr<demo::AddReply> reply = calc.Add(request);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->sum(), 42);
  absl::StatusOr<ExitStatus> end = child->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_TRUE(end->success()) << end->ToString();
}

TEST_P(UnaryTest, ManyCallsInARow) {
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
  ASSERT_THAT(child, IsOk());
  demo::Calc::Stub calc(child->channel());
  for (int i = 0; i < 1000; ++i) {
    demo::AddRequest request;
    request.set_a(i);
    request.set_b(1);
    ClientContext context;
    demo::AddReply reply;
    ASSERT_THAT(calc.Add(context, request, &reply), IsOk());
    ASSERT_EQ(reply.sum(), i + 1);
  }
  ASSERT_THAT(child->Wait(), IsOk());
}

// Polling before sleeping changes when a waiting thread sleeps, never what it gets.
void MakeCallsWithBusyPoll(SocketType type, absl::Duration busy_poll) {
  SpawnOptions options;
  options.channel_options.busy_poll = busy_poll;
  options.server_options.busy_poll = busy_poll;
  absl::StatusOr<Child> child = SpawnTestHelper(type, -1, options);
  ASSERT_THAT(child, IsOk());
  demo::Calc::Stub calc(child->channel());
  for (int i = 0; i < 1000; ++i) {
    demo::AddRequest request;
    request.set_a(i);
    request.set_b(2);
    absl::StatusOr<demo::AddReply> reply = calc.Add(request);
    ASSERT_THAT(reply, IsOk());
    ASSERT_EQ(reply->sum(), i + 2);
  }
  ASSERT_THAT(child->Wait(), IsOk());
}

TEST_P(UnaryTest, CallsWorkWithoutBusyPolling) {
  MakeCallsWithBusyPoll(GetParam(), absl::ZeroDuration());
}

TEST_P(UnaryTest, CallsWorkWithTheLongestBusyPoll) {
  MakeCallsWithBusyPoll(GetParam(), kMaxBusyPoll);
}

TEST_P(UnaryTest, ChannelBusyPollOutOfRangeIsRefused) {
  for (absl::Duration busy_poll : {absl::Microseconds(-1), kMaxBusyPoll + absl::Nanoseconds(1)}) {
    absl::StatusOr<std::pair<UniqueFd, UniqueFd>> ends = SocketPair(GetParam());
    ASSERT_THAT(ends, IsOk());
    ChannelOptions options;
    options.busy_poll = busy_poll;
    EXPECT_THAT(Channel::Create(std::move(ends->first), options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("busy_poll ", absl::FormatDuration(busy_poll)))));
  }
}

TEST_P(UnaryTest, HelperBusyPollOutOfRangeFailsTheSpawn) {
  SpawnOptions options;
  options.server_options.busy_poll = absl::Milliseconds(2);
  EXPECT_THAT(SpawnTestHelper(GetParam(), -1, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("server options: busy_poll 2ms is outside [0, 1ms]")));
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(UnaryTest);

}  // namespace
}  // namespace forkrpc::testing
