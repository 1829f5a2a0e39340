// Helpers that are programs of their own: SpawnExec runs tests/support/exec_helper,
// which serves through ServeInherited, over both socket types; and what SpawnExec and
// ServeInherited say when something is wrong.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_service.h"

namespace forkrpc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kHelper[] = FORKRPC_EXEC_HELPER;

using SpawnExecTest = SocketTypeTest;

SpawnOptions Named(SocketType type, std::string name) {
  SpawnOptions options;
  options.socket_type = type;
  options.name = std::move(name);
  return options;
}

TEST_P(SpawnExecTest, CallsReachTheProgram) {
  absl::StatusOr<Child> child = SpawnExec({kHelper}, Named(GetParam(), "exec"));
  ASSERT_THAT(child, IsOk());
  demo::Calc::Stub calc(child->channel());
  demo::AddRequest request;
  request.set_a(2);
  request.set_b(40);
  absl::StatusOr<demo::AddReply> sum = calc.Add(request);
  ASSERT_THAT(sum, IsOk());
  EXPECT_EQ(sum->sum(), 42);
  // The call was answered by the program, in the process SpawnExec started, which saw
  // this process as its peer.
  forkrpc::test::Test::Stub test(child->channel());
  forkrpc::test::Request report;
  report.set_action(forkrpc::test::Request::REPORT);
  absl::StatusOr<forkrpc::test::Reply> reply = test.Echo(report);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->server_pid(), child->pid());
  EXPECT_EQ(reply->peer_pid(), ::getpid());
  absl::StatusOr<ExitStatus> end = child->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_TRUE(end->success()) << end->ToString();
}

TEST_P(SpawnExecTest, ProgramGetsItsArgumentsAndOnlyItsDescriptors) {
  int kept[2];
  ASSERT_EQ(::pipe2(kept, O_CLOEXEC), 0);
  int dropped[2];
  ASSERT_EQ(::pipe2(dropped, O_CLOEXEC), 0);
  SpawnOptions options = Named(GetParam(), "reporter");
  options.keep_fds = {kept[1]};
  absl::StatusOr<Child> child =
      SpawnExec({kHelper, "--report", absl::StrCat(kept[1]), "two words", "x"}, options);
  ASSERT_THAT(child, IsOk());
  std::string line = ReadLine(kept[0]);
  // "args=two words x socket=N fds=0,1,2,..."
  std::vector<std::string> parts = absl::StrSplit(line, " socket=");
  ASSERT_EQ(parts.size(), 2u) << line;
  EXPECT_EQ(parts[0], "args=two words x");
  std::vector<std::string> socket_and_fds = absl::StrSplit(parts[1], " fds=");
  ASSERT_EQ(socket_and_fds.size(), 2u) << line;
  int socket = -1;
  ASSERT_TRUE(absl::SimpleAtoi(socket_and_fds[0], &socket)) << line;
  std::vector<int> expected = {0, 1, 2, socket, kept[1]};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(socket_and_fds[1], absl::StrJoin(expected, ","));
  EXPECT_THAT(child->Wait(), IsOk());
  for (int fd : {kept[0], kept[1], dropped[0], dropped[1]}) ::close(fd);
}

TEST_P(SpawnExecTest, ProgramIsFoundInPath) {
  std::string helper = kHelper;
  size_t slash = helper.rfind('/');
  const char* old_path = ::getenv("PATH");
  std::string saved = old_path != nullptr ? old_path : "";
  ::setenv("PATH", absl::StrCat("/nonexistent:", helper.substr(0, slash)).c_str(), 1);
  absl::StatusOr<Child> child = SpawnExec({helper.substr(slash + 1)}, Named(GetParam(), "pathed"));
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_THAT(child, IsOk());
  demo::Calc::Stub calc(child->channel());
  EXPECT_THAT(calc.Add(demo::AddRequest()), IsOk());
  EXPECT_THAT(child->Wait(), IsOk());
}

TEST_P(SpawnExecTest, MissingProgramIsNotFound) {
  EXPECT_THAT(SpawnExec({"/nonexistent/helper"}, Named(GetParam(), "ghost")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("spawn helper ghost: exec /nonexistent/helper: no such file")));
  EXPECT_THAT(
      SpawnExec({"forkrpc-no-such-helper"}, Named(GetParam(), "ghost")),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("exec forkrpc-no-such-helper: no executable of that name in PATH")));
}

// A file of `mode` holding `text`, removed when the test ends.
class TempFile {
 public:
  TempFile(mode_t mode, const std::string& text) {
    char name[] = "/tmp/forkrpc-spawn-exec-XXXXXX";
    int fd = ::mkstemp(name);
    path_ = name;
    if (fd >= 0) {
      [[maybe_unused]] ssize_t written = ::write(fd, text.data(), text.size());
      ::fchmod(fd, mode);
      ::close(fd);
    }
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_P(SpawnExecTest, FileThatMayNotRunIsPermissionDenied) {
  TempFile file(0644, "#!/bin/sh\n");
  EXPECT_THAT(
      SpawnExec({file.path()}, Named(GetParam(), "text")),
      StatusIs(absl::StatusCode::kPermissionDenied,
               HasSubstr(absl::StrCat("exec ", file.path(), ": permission denied (EACCES)"))));
}

TEST_P(SpawnExecTest, FileThatIsNoProgramIsInvalidArgument) {
  TempFile file(0755, "no program, no #! line\n");
  EXPECT_THAT(
      SpawnExec({file.path()}, Named(GetParam(), "text")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat("exec ", file.path(), ": exec format error (ENOEXEC)"))));
}

TEST_P(SpawnExecTest, EmptyArgvIsInvalid) {
  EXPECT_THAT(SpawnExec({}, Named(GetParam(), "nothing")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("argv is empty")));
}

TEST_P(SpawnExecTest, RegistrationErrorIsSpawnExecsStatus) {
  EXPECT_THAT(SpawnExec({kHelper, "--register-twice"}, Named(GetParam(), "twice")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("service demo.Calc is registered twice")));
}

TEST_P(SpawnExecTest, ProgramExitingBeforeServingIsSpawnExecsStatus) {
  absl::StatusOr<Child> child = SpawnExec({kHelper, "--exit", "3"}, Named(GetParam(), "quitter"));
  EXPECT_THAT(child, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("helper quitter (pid ")));
  EXPECT_THAT(child, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("exited with status 3")));
}

TEST_P(SpawnExecTest, KilledProgramFailsCallsNamingIt) {
  absl::StatusOr<Child> child = SpawnExec({kHelper}, Named(GetParam(), "victim"));
  ASSERT_THAT(child, IsOk());
  ASSERT_THAT(child->Kill(SIGKILL), IsOk());
  demo::Calc::Stub calc(child->channel());
  EXPECT_THAT(calc.Add(demo::AddRequest()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("helper victim (pid ", child->pid(),
                                              ") killed by signal 9 (SIGKILL)"))));
  absl::StatusOr<ExitStatus> end = child->Wait();
  ASSERT_THAT(end, IsOk());
  EXPECT_EQ(*end, ExitStatus::Killed(SIGKILL));
}

// The case SpawnExec is for: a parent whose other threads allocate, lock and spawn
// while it spawns. Each child starts with the others' sockets open until it closes
// what it does not keep; none of that may hold a spawn up or leak into a helper.
TEST_P(SpawnExecTest, ManyThreadsSpawnWhileOthersAllocate) {
  constexpr int kSpawners = 4;
  constexpr int kSpawnsEach = 5;
  std::atomic<bool> done{false};
  std::vector<std::thread> churners;
  for (int i = 0; i < 2; ++i) {
    churners.emplace_back([&done] {
      while (!done.load()) {
        std::vector<std::unique_ptr<std::string>> garbage;
        for (int j = 0; j < 64; ++j) garbage.push_back(std::make_unique<std::string>(j * 16, 'x'));
      }
    });
  }
  std::atomic<int> answered{0};
  std::vector<std::thread> spawners;
  for (int i = 0; i < kSpawners; ++i) {
    spawners.emplace_back([&, i] {
      for (int j = 0; j < kSpawnsEach; ++j) {
        absl::StatusOr<Child> child =
            SpawnExec({kHelper}, Named(GetParam(), absl::StrCat("spawner", i, "-", j)));
        if (!child.ok()) {
          ADD_FAILURE() << child.status();
          continue;
        }
        demo::Calc::Stub calc(child->channel());
        demo::AddRequest request;
        request.set_a(i);
        request.set_b(j);
        absl::StatusOr<demo::AddReply> sum = calc.Add(request);
        if (sum.ok() && sum->sum() == i + j) ++answered;
        EXPECT_THAT(child->Wait(), IsOk());
      }
    });
  }
  for (std::thread& spawner : spawners) spawner.join();
  done.store(true);
  for (std::thread& churner : churners) churner.join();
  EXPECT_EQ(answered.load(), kSpawners * kSpawnsEach);
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(SpawnExecTest);

// ServeInherited in a process SpawnExec did not start. Each test sets FORKRPC_FD as the
// case needs and restores it.
class ServeInheritedTest : public ForkingTest {
 protected:
  void TearDown() override {
    ::unsetenv(kInheritedSocketVariable);
    ForkingTest::TearDown();
  }
};

TEST_F(ServeInheritedTest, WithoutTheVariableIsFailedPrecondition) {
  ::unsetenv(kInheritedSocketVariable);
  Server server;
  EXPECT_THAT(ServeInherited(server),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("FORKRPC_FD is not set: this program was not started by "
                                 "forkrpc::SpawnExec")));
}

TEST_F(ServeInheritedTest, VariableThatIsNoNumberIsInvalidArgument) {
  ::setenv(kInheritedSocketVariable, "three", 1);
  Server server;
  EXPECT_THAT(ServeInherited(server),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("FORKRPC_FD=\"three\" is not a descriptor number")));
}

TEST_F(ServeInheritedTest, DescriptorThatIsNotOpenIsFailedPrecondition) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  ::setenv(kInheritedSocketVariable, absl::StrCat(fds[0]).c_str(), 1);
  Server server;
  EXPECT_THAT(
      ServeInherited(server),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat("descriptor ", fds[0], " (FORKRPC_FD) is not open"))));
}

TEST_F(ServeInheritedTest, DescriptorThatIsNoForkrpcSocketIsInvalidArgument) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[1]);
  // ServeInherited owns the descriptor from here, and closes it.
  ::setenv(kInheritedSocketVariable, absl::StrCat(fds[0]).c_str(), 1);
  Server server;
  EXPECT_THAT(ServeInherited(server),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not an AF_UNIX SOCK_SEQPACKET or SOCK_DGRAM socket")));
  EXPECT_EQ(::fcntl(fds[0], F_GETFD), -1) << "the descriptor was left open";
}

}  // namespace
}  // namespace forkrpc::testing
