// A response whose descriptors do not fit the client's descriptor table: the kernel
// installs what it can and flags the rest dropped (MSG_CTRUNC, unix(7)). The call fails
// with RESOURCE_EXHAUSTED, the descriptors that did arrive are closed, and the channel
// carries on.
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using forkrpc::test::Reply;
using forkrpc::test::Request;
using ::testing::HasSubstr;

using DescriptorLimitTest = SocketTypeTest;

// The lowest descriptor number free now: a soft limit of it leaves no room at all, as
// the limit bounds descriptor numbers, not how many are open.
rlim_t LowestFreeDescriptor() {
  int probe = ::dup(0);
  ::close(probe);
  return static_cast<rlim_t>(probe);
}

// Lowers the soft descriptor limit while it lives.
class LoweredDescriptorLimit {
 public:
  explicit LoweredDescriptorLimit(rlim_t soft) {
    EXPECT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  ~LoweredDescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_;
};

TEST_P(DescriptorLimitTest, DescriptorsTheKernelDroppedFailTheCallNotTheChannel) {
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
  ASSERT_THAT(child, IsOk());
  forkrpc::test::Test::Stub stub(child->channel());
  constexpr int kSent = 40;
  size_t open_before = OpenDescriptors().size();
  ClientContext context;
  for (int i = 0; i < kSent; ++i) {
    UniqueFd file(::memfd_create("limit-test", MFD_CLOEXEC));
    ASSERT_TRUE(file.valid());
    context.AttachFd(std::move(file));
  }
  Request request;
  request.set_action(Request::ECHO_FDS);
  Reply reply;
  absl::Status status;
  {
    // Sending closes our 40; the 40 coming back find room for 10.
    LoweredDescriptorLimit limit(open_before + 10);
    status = stub.Echo(context, request, &reply);
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("MSG_CTRUNC")));
  EXPECT_TRUE(context.TakeResponseFds().empty());
  // None of those that arrived is left open.
  EXPECT_LE(OpenDescriptors().size(), open_before);
  // The channel still works.
  Request echo;
  echo.set_text("still here");
  absl::StatusOr<Reply> again = stub.Echo(echo);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->text(), "still here");
  EXPECT_THAT(child->Wait(), IsOk());
}

TEST_P(DescriptorLimitTest, MemfdTheKernelDroppedFailsTheCallNotTheChannel) {
  SpawnOptions options;
  options.server_options.memfd_threshold = 0;  // big responses come in a memfd
  absl::StatusOr<Child> child = SpawnTestHelper(GetParam(), -1, options);
  ASSERT_THAT(child, IsOk());
  forkrpc::test::Test::Stub stub(child->channel());
  Request request;
  request.set_payload(std::string(300 << 10, 'p'));  // over one packet
  ClientContext context;
  Reply reply;
  absl::Status status;
  {
    // No room at all: not even the memfd can be installed.
    LoweredDescriptorLimit limit(LowestFreeDescriptor());
    status = stub.Echo(context, request, &reply);
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("memfd was lost")));
  absl::StatusOr<Reply> again = stub.Echo(request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->payload(), request.payload());
  EXPECT_THAT(child->Wait(), IsOk());
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(DescriptorLimitTest);

}  // namespace
}  // namespace forkrpc::testing
