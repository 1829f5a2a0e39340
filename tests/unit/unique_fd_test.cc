// unique_fd_test: UniqueFd closes what it owns exactly once, and gives it up only when
// asked. Whether a number is open is read with fcntl(F_GETFD), which fails with EBADF
// for a closed one.
#include "forkrpc/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>
#include <utility>

#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"

namespace forkrpc {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

bool IsClosed(int fd) { return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF; }

// A fresh close-on-exec descriptor on /dev/null.
int OpenDevNull() {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  return fd;
}

// Checks at TearDown that no test leaves a descriptor open or closes one it did not own.
class UniqueFdTest : public testing::ForkingTest {};

TEST_F(UniqueFdTest, DefaultConstructedHoldsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
}

TEST_F(UniqueFdTest, OwnsTheDescriptorItWasGiven) {
  int number = OpenDevNull();
  UniqueFd fd(number);
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(fd.get(), number);
}

TEST_F(UniqueFdTest, ClosesItsDescriptorWhenDestroyed) {
  int number = OpenDevNull();
  { UniqueFd fd(number); }
  EXPECT_TRUE(IsClosed(number));
}

TEST_F(UniqueFdTest, MoveConstructionTransfersOwnership) {
  int number = OpenDevNull();
  UniqueFd from(number);
  UniqueFd to(std::move(from));
  EXPECT_FALSE(from.valid());  // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_EQ(from.get(), -1);
  EXPECT_EQ(to.get(), number);
  EXPECT_TRUE(IsOpen(number));
}

TEST_F(UniqueFdTest, MoveAssignmentClosesTheDescriptorItReplaces) {
  int replaced = OpenDevNull();
  int moved = OpenDevNull();
  UniqueFd to(replaced);
  UniqueFd from(moved);
  to = std::move(from);
  EXPECT_TRUE(IsClosed(replaced));
  EXPECT_EQ(to.get(), moved);
  EXPECT_TRUE(IsOpen(moved));
  EXPECT_FALSE(from.valid());  // NOLINT(bugprone-use-after-move): the moved-from state
}

TEST_F(UniqueFdTest, SelfMoveAssignmentKeepsTheDescriptorOpen) {
  int number = OpenDevNull();
  UniqueFd fd(number);
  UniqueFd& alias = fd;
  fd = std::move(alias);
  EXPECT_EQ(fd.get(), number);
  EXPECT_TRUE(IsOpen(number));
}

TEST_F(UniqueFdTest, MovedFromObjectDoesNotCloseTheNumberAgain) {
  int number = OpenDevNull();
  UniqueFd from(number);
  UniqueFd to(std::move(from));
  to.reset();
  // The kernel hands out the lowest free number, so this reuses `number`; destroying
  // the moved-from object must leave the new descriptor alone.
  int reused = OpenDevNull();
  ASSERT_EQ(reused, number);
  { UniqueFd gone(std::move(from)); }
  EXPECT_TRUE(IsOpen(reused));
  ::close(reused);
}

TEST_F(UniqueFdTest, ReleaseGivesUpOwnershipWithoutClosing) {
  int number = OpenDevNull();
  int released;
  {
    UniqueFd fd(number);
    released = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, number);
  EXPECT_TRUE(IsOpen(number));
  ::close(number);
}

TEST_F(UniqueFdTest, ResetClosesTheOldDescriptorAndOwnsTheNewOne) {
  int old_number = OpenDevNull();
  int new_number = OpenDevNull();
  UniqueFd fd(old_number);
  fd.reset(new_number);
  EXPECT_TRUE(IsClosed(old_number));
  EXPECT_EQ(fd.get(), new_number);
  EXPECT_TRUE(IsOpen(new_number));
}

TEST_F(UniqueFdTest, ResetWithoutArgumentClosesAndEmpties) {
  int number = OpenDevNull();
  UniqueFd fd(number);
  fd.reset();
  EXPECT_TRUE(IsClosed(number));
  EXPECT_FALSE(fd.valid());
}

TEST_F(UniqueFdTest, ResetToTheDescriptorItOwnsKeepsItOpen) {
  int number = OpenDevNull();
  UniqueFd fd(number);
  fd.reset(number);
  EXPECT_EQ(fd.get(), number);
  EXPECT_TRUE(IsOpen(number));
}

TEST(UniqueFdTypeTest, IsMoveOnlyWithNoConversions) {
  static_assert(!std::is_copy_constructible_v<UniqueFd>);
  static_assert(!std::is_copy_assignable_v<UniqueFd>);
  static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
  static_assert(std::is_nothrow_move_assignable_v<UniqueFd>);
  static_assert(!std::is_convertible_v<int, UniqueFd>, "the int constructor is explicit");
  static_assert(!std::is_convertible_v<UniqueFd, int>);
  static_assert(!std::is_constructible_v<bool, UniqueFd>, "no operator bool");
  SUCCEED();
}

}  // namespace
}  // namespace forkrpc
