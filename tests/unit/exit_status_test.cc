// exit_status_test: an ExitStatus answers what a caller of Child::Wait asks (did it exit,
// with what; which signal) and describes itself in the runtime's words.
#include "forkrpc/exit_status.h"

#include <csignal>

#include "gtest/gtest.h"

namespace forkrpc {
namespace {

TEST(ExitStatusTest, ExitedReportsItsCode) {
  ExitStatus status = ExitStatus::Exited(3);
  EXPECT_TRUE(status.exited());
  EXPECT_FALSE(status.signaled());
  EXPECT_EQ(status.exit_code(), 3);
  EXPECT_EQ(status.signal_number(), 0);
  EXPECT_FALSE(status.success());
  EXPECT_FALSE(status.core_dumped());
}

TEST(ExitStatusTest, ExitedWithZeroIsSuccess) { EXPECT_TRUE(ExitStatus::Exited(0).success()); }

TEST(ExitStatusTest, KilledReportsItsSignal) {
  ExitStatus status = ExitStatus::Killed(SIGKILL);
  EXPECT_TRUE(status.signaled());
  EXPECT_FALSE(status.exited());
  EXPECT_EQ(status.signal_number(), SIGKILL);
  EXPECT_EQ(status.exit_code(), -1);
  EXPECT_FALSE(status.success());
  EXPECT_FALSE(status.core_dumped());
}

TEST(ExitStatusTest, KilledWithACoreSaysSo) {
  EXPECT_TRUE(ExitStatus::Killed(SIGSEGV, true).core_dumped());
}

TEST(ExitStatusTest, ExitedDescribesItsCode) {
  EXPECT_EQ(ExitStatus::Exited(3).ToString(), "exited with status 3");
  EXPECT_EQ(ExitStatus::Exited(0).ToString(), "exited with status 0");
}

TEST(ExitStatusTest, KilledNamesTheSignal) {
  EXPECT_EQ(ExitStatus::Killed(9).ToString(), "killed by signal 9 (SIGKILL)");
}

TEST(ExitStatusTest, CoreDumpIsMentioned) {
  EXPECT_EQ(ExitStatus::Killed(11, true).ToString(), "killed by signal 11 (SIGSEGV), core dumped");
}

TEST(ExitStatusTest, EqualityComparesEveryField) {
  EXPECT_EQ(ExitStatus::Exited(9), ExitStatus::Exited(9));
  EXPECT_EQ(ExitStatus::Killed(9), ExitStatus::Killed(9, false));
  EXPECT_NE(ExitStatus::Exited(9), ExitStatus::Killed(9));
  EXPECT_NE(ExitStatus::Killed(11), ExitStatus::Killed(11, true));
  EXPECT_NE(ExitStatus::Exited(1), ExitStatus::Exited(2));
}

}  // namespace
}  // namespace forkrpc
