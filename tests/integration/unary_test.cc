// Unary calls into a forked helper, over both socket types.
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

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(UnaryTest);

}  // namespace
}  // namespace forkrpc::testing
