// Helpers whose setup fails or that die before serving: Spawn returns the reason and
// reaps the helper; and a helper dies with its parent.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "absl/strings/numbers.h"
#include "forkrpc/internal/pidfd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using ::testing::HasSubstr;

using SpawnFailureTest = SocketTypeTest;

TEST_P(SpawnFailureTest, DuplicateServiceIsSpawnsStatus) {
  absl::StatusOr<Child> child = Spawn(
      [](Server& server) {
        server.Register(std::make_unique<CalcImpl>());
        server.Register(std::make_unique<CalcImpl>());
      },
      SpawnOptions{.socket_type = GetParam(), .name = "twice"});
  EXPECT_THAT(child, StatusIs(absl::StatusCode::kAlreadyExists,
                              HasSubstr("service demo.Calc is registered twice")));
}

TEST_P(SpawnFailureTest, SetupThatThrowsIsSpawnsStatus) {
  absl::StatusOr<Child> child = Spawn([](Server&) { throw std::runtime_error("no config file"); },
                                      SpawnOptions{.socket_type = GetParam(), .name = "thrower"});
  EXPECT_THAT(child, StatusIs(absl::StatusCode::kInternal,
                              HasSubstr("helper setup threw: no config file")));
}

TEST_P(SpawnFailureTest, HelperDyingInSetupIsSpawnsStatus) {
  absl::StatusOr<Child> child = Spawn([](Server&) { ::raise(SIGABRT); },
                                      SpawnOptions{.socket_type = GetParam(), .name = "crasher"});
  EXPECT_THAT(child,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("killed by signal 6 (SIGABRT)")));
}

TEST_P(SpawnFailureTest, SetupTimeoutKillsTheHelper) {
  absl::StatusOr<Child> child = Spawn(
      [](Server&) { absl::SleepFor(absl::Hours(1)); },
      SpawnOptions{
          .socket_type = GetParam(), .name = "sleeper", .setup_timeout = absl::Milliseconds(100)});
  EXPECT_THAT(child, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("sleeper")));
}

TEST_P(SpawnFailureTest, HelperClosesEverythingButWhatItKeeps) {
  int kept[2];
  ASSERT_EQ(::pipe2(kept, O_CLOEXEC), 0);
  int dropped[2];
  ASSERT_EQ(::pipe2(dropped, O_CLOEXEC), 0);
  // The helper reports which of the two write ends are open, then serves.
  absl::StatusOr<Child> child = Spawn(
      [&](Server& server) {
        std::string line =
            absl::StrCat(::fcntl(kept[1], F_GETFD) >= 0 ? "kept" : "lost", " ",
                         ::fcntl(dropped[1], F_GETFD) >= 0 ? "open" : "closed", "\n");
        [[maybe_unused]] ssize_t written = ::write(kept[1], line.data(), line.size());
        server.Register(std::make_unique<CalcImpl>());
      },
      SpawnOptions{.socket_type = GetParam(), .name = "closer", .keep_fds = {kept[1]}});
  ASSERT_THAT(child, IsOk());
  EXPECT_EQ(ReadLine(kept[0]), "kept closed");
  EXPECT_THAT(child->Wait(), IsOk());
  for (int fd : {kept[0], kept[1], dropped[0], dropped[1]}) ::close(fd);
}

TEST_P(SpawnFailureTest, HelperDiesWithItsParent) {
  // An intermediate process spawns a helper, reports the helper's pid, and is killed;
  // the helper must follow it.
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  SocketType type = GetParam();
  pid_t intermediate = ::fork();
  ASSERT_GE(intermediate, 0);
  if (intermediate == 0) {
    ::close(report[0]);
    absl::StatusOr<Child> child = SpawnTestHelper(type);
    std::string line = child.ok() ? absl::StrCat(child->pid(), "\n") : "0\n";
    [[maybe_unused]] ssize_t written = ::write(report[1], line.data(), line.size());
    for (;;) ::pause();
  }
  ::close(report[1]);
  pid_t helper = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ReadLine(report[0]), &helper));
  ::close(report[0]);
  ASSERT_GT(helper, 0);
  absl::StatusOr<UniqueFd> helper_pidfd = internal::PidfdOpen(helper);
  ASSERT_THAT(helper_pidfd, IsOk());
  ASSERT_EQ(::kill(intermediate, SIGKILL), 0);
  ASSERT_EQ(::waitpid(intermediate, nullptr, 0), intermediate);
  // A pidfd becomes readable when its process exits, child of ours or not.
  pollfd exited{helper_pidfd->get(), POLLIN, 0};
  EXPECT_EQ(::poll(&exited, 1, 30000), 1) << "the helper outlived its parent";
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(SpawnFailureTest);

}  // namespace
}  // namespace forkrpc::testing
