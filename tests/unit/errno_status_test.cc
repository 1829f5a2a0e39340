// errno_status_test: every errno becomes a status that names the call, the error and
// the errno, with the code a caller can act on; signals get their names; Annotate adds
// context without losing anything.
#include "forkrpc/internal/errno_status.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/socket_pair.h"
#include "forkrpc/unique_fd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/status_matchers.h"

namespace forkrpc::internal {
namespace {

using ::forkrpc::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

TEST(ErrnoStatusTest, MessageNamesTheCallTheErrorAndTheErrno) {
  EXPECT_THAT(ErrnoStatus("socketpair", EMFILE),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       Eq("socketpair: too many open files (EMFILE)")));
}

TEST(ErrnoStatusTest, ErrnoWithoutANameIsNamedByItsNumber) {
  EXPECT_THAT(ErrnoStatus("sendmsg", 4242),
              StatusIs(absl::StatusCode::kUnknown, Eq("sendmsg: unknown error 4242 (errno 4242)")));
}

struct ErrnoCase {
  int error_number;
  absl::StatusCode code;
};

class ErrnoCodeTest : public ::testing::TestWithParam<ErrnoCase> {};

TEST_P(ErrnoCodeTest, ErrnoMapsToTheCodeACallerActsOn) {
  EXPECT_EQ(ErrnoCode(GetParam().error_number), GetParam().code);
}

TEST_P(ErrnoCodeTest, ErrnoStatusCarriesTheSameCode) {
  EXPECT_EQ(ErrnoStatus("call", GetParam().error_number).code(), GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(Errnos, ErrnoCodeTest,
                         ::testing::Values(
                             // A limit was hit: RESOURCE_EXHAUSTED.
                             ErrnoCase{EMFILE, absl::StatusCode::kResourceExhausted},
                             ErrnoCase{ENFILE, absl::StatusCode::kResourceExhausted},
                             ErrnoCase{EMSGSIZE, absl::StatusCode::kResourceExhausted},
                             ErrnoCase{ENOBUFS, absl::StatusCode::kResourceExhausted},
                             ErrnoCase{ETOOMANYREFS, absl::StatusCode::kResourceExhausted},
                             // The peer is gone: UNAVAILABLE.
                             ErrnoCase{EPIPE, absl::StatusCode::kUnavailable},
                             ErrnoCase{ECONNRESET, absl::StatusCode::kUnavailable},
                             ErrnoCase{ECONNREFUSED, absl::StatusCode::kUnavailable},
                             // Everything else as Abseil maps it.
                             ErrnoCase{EINVAL, absl::StatusCode::kInvalidArgument},
                             ErrnoCase{EAFNOSUPPORT, absl::StatusCode::kUnimplemented},
                             ErrnoCase{EPROTONOSUPPORT, absl::StatusCode::kUnimplemented}),
                         [](const ::testing::TestParamInfo<ErrnoCase>& info) {
                           return std::string(::strerrorname_np(info.param.error_number));
                         });

TEST(SignalNameTest, NamesSignalsByTheirAbbreviation) {
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(9), "SIGKILL");
  EXPECT_EQ(SignalName(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
}

TEST(SignalNameTest, NumberWithoutANameIsNamedByItsNumber) {
  EXPECT_EQ(SignalName(77), "signal 77");
}

TEST(AnnotateTest, PrefixesTheContextAndKeepsTheCode) {
  EXPECT_THAT(Annotate(absl::NotFoundError("no helper binary"), "spawn helper"),
              StatusIs(absl::StatusCode::kNotFound, Eq("spawn helper: no helper binary")));
}

TEST(AnnotateTest, KeepsEveryPayload) {
  absl::Status status = absl::DataLossError("torn");
  status.SetPayload("type.example/first", absl::Cord("one"));
  status.SetPayload("type.example/second", absl::Cord(std::string("\0two", 4)));
  absl::Status annotated = Annotate(status, "read");
  EXPECT_EQ(annotated.GetPayload("type.example/first"), absl::Cord("one"));
  EXPECT_EQ(annotated.GetPayload("type.example/second"), absl::Cord(std::string("\0two", 4)));
}

TEST(AnnotateTest, OkStaysOk) { EXPECT_TRUE(Annotate(absl::OkStatus(), "anything").ok()); }

// Runs SocketPair in a child whose descriptor limit is 0, so the kernel refuses with a
// real EMFILE; the test process's own limit is never touched.
class RealErrnoTest : public testing::ForkingTest {};

TEST_F(RealErrnoTest, SocketPairPastTheDescriptorLimitIsResourceExhausted) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit limit;
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 0;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(2);
    absl::Status status = SocketPair(SocketType::kSeqPacket).status();
    std::string report = absl::StrCat(static_cast<int>(status.code()), " ", status.message());
    ssize_t written = ::write(write_end.get(), report.data(), report.size());
    ::_exit(written == static_cast<ssize_t>(report.size()) ? 0 : 3);
  }
  write_end.reset();
  std::string report;
  char buffer[256];
  ssize_t size;
  while ((size = ::read(read_end.get(), buffer, sizeof(buffer))) > 0) {
    report.append(buffer, static_cast<size_t>(size));
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << wait_status;

  size_t space = report.find(' ');
  ASSERT_NE(space, std::string::npos) << report;
  int code = -1;
  ASSERT_TRUE(absl::SimpleAtoi(report.substr(0, space), &code)) << report;
  EXPECT_THAT(absl::Status(static_cast<absl::StatusCode>(code), report.substr(space + 1)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       Eq("socketpair: too many open files (EMFILE)")));
}

}  // namespace
}  // namespace forkrpc::internal
