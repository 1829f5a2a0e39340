// event_set_test: an EventSet reports which registered descriptor is ready under the slot
// it was added with, waits no longer than its deadline, and follows Modify.
#include "forkrpc/internal/event_set.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"

namespace forkrpc::internal {
namespace {

class EventSetTest : public testing::ForkingTest {};

TEST_F(EventSetTest, ReportsTheSlotOfTheReadyDescriptor) {
  UniqueFd quiet(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  UniqueFd posted(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  absl::StatusOr<EventSet> set = EventSet::Create();
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_TRUE(set->Add(0, quiet.get(), EPOLLIN).ok());
  ASSERT_TRUE(set->Add(3, posted.get(), EPOLLIN).ok());
  uint64_t one = 1;
  ASSERT_EQ(::write(posted.get(), &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));

  absl::StatusOr<EventSet::Ready> ready = set->Wait(absl::InfiniteFuture());
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->count, 1);
  EXPECT_EQ(ready->events[0], 0u);
  EXPECT_NE(ready->events[3] & EPOLLIN, 0u);
}

TEST_F(EventSetTest, ReturnsNothingOnceTheDeadlinePasses) {
  UniqueFd quiet(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  absl::StatusOr<EventSet> set = EventSet::Create();
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_TRUE(set->Add(0, quiet.get(), EPOLLIN).ok());

  absl::Time deadline = absl::Now() + absl::Milliseconds(20);
  absl::StatusOr<EventSet::Ready> ready = set->Wait(deadline);
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->count, 0);
  EXPECT_GE(absl::Now(), deadline);  // never early, whichever wait call served
}

TEST_F(EventSetTest, ModifyChangesWhatASlotWaitsFor) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  absl::StatusOr<EventSet> set = EventSet::Create();
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_TRUE(set->Add(1, ours.get(), EPOLLIN).ok());

  // Nothing to read: only asking for room makes the socket ready.
  absl::StatusOr<EventSet::Ready> ready = set->Wait(absl::InfinitePast());
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->count, 0);
  ASSERT_TRUE(set->Modify(1, EPOLLIN | EPOLLOUT).ok());
  ready = set->Wait(absl::InfinitePast());
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->events[1], static_cast<uint32_t>(EPOLLOUT));
}

TEST_F(EventSetTest, AddingAClosedDescriptorNamesIt) {
  absl::StatusOr<EventSet> set = EventSet::Create();
  ASSERT_TRUE(set.ok()) << set.status();
  absl::Status added = set->Add(0, 9999, EPOLLIN);
  EXPECT_EQ(added.code(), absl::StatusCode::kFailedPrecondition) << added;
  EXPECT_NE(added.message().find("epoll_ctl(ADD, 9999)"), absl::string_view::npos) << added;
  EXPECT_NE(added.message().find("EBADF"), absl::string_view::npos) << added;
}

}  // namespace
}  // namespace forkrpc::internal
