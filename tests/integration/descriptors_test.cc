// Open descriptors travelling with messages, on every call kind, over both socket types:
// they arrive in order and refer to the same open files; more than one packet's 253
// are split over frames; and none leaks on either side, whatever happens to the call.
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

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

// `count` memfds, each a file of its own.
std::vector<UniqueFd> MakeFiles(int count) {
  std::vector<UniqueFd> files;
  for (int i = 0; i < count; ++i) {
    files.emplace_back(::memfd_create("descriptors-test", MFD_CLOEXEC));
    EXPECT_TRUE(files.back().valid());
  }
  return files;
}

// What identifies each descriptor's open file.
std::vector<ino_t> Inodes(const std::vector<UniqueFd>& fds) {
  std::vector<ino_t> inodes;
  for (const UniqueFd& fd : fds) {
    struct stat info;
    EXPECT_EQ(::fstat(fd.get(), &info), 0);
    inodes.push_back(info.st_ino);
  }
  return inodes;
}

struct Case {
  SocketType socket_type;
  int count;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return absl::StrCat(info.param.socket_type == SocketType::kSeqPacket ? "SeqPacket" : "Datagram",
                      info.param.count);
}

class DescriptorsTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    // A thousand descriptors each way, and their copies, need more than the usual 1024.
    rlimit limit;
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
  }

  void SetUp() override {
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam().socket_type);
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
    stub_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  }
  void TearDown() override {
    stub_.reset();
    if (child_.has_value()) {
      EXPECT_THAT(child_->Wait(), IsOk());
      child_.reset();
    }
    hygiene_.Check();
  }

  // How many of the files this test made the helper has open.
  int HelperOpenFds() {
    Request request;
    request.set_action(Request::REPORT);
    absl::StatusOr<Reply> reply = stub_->Echo(request);
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? reply->open_test_files() : -1;
  }

  ProcessHygiene hygiene_;
  std::optional<Child> child_;
  std::unique_ptr<forkrpc::test::Test::Stub> stub_;
};

TEST_P(DescriptorsTest, UnaryRequestAndResponseCarryThem) {
  std::vector<UniqueFd> files = MakeFiles(GetParam().count);
  std::vector<ino_t> sent = Inodes(files);
  ClientContext context;
  for (UniqueFd& file : files) context.AttachFd(std::move(file));
  Request request;
  request.set_action(Request::ECHO_FDS);
  Reply reply;
  ASSERT_THAT(stub_->Echo(context, request, &reply), IsOk());
  std::vector<UniqueFd> received = context.TakeResponseFds();
  EXPECT_EQ(Inodes(received), sent);
}

// Callers with and without descriptors share the channel at once, so on both sides
// packets with descriptors, their DESCRIPTORS_NEXT announcements and plain frames of
// other calls interleave: each caller still gets back exactly its own files.
TEST_P(DescriptorsTest, ConcurrentCallersWithAndWithoutThemEachGetTheirOwn) {
  constexpr int kCallers = 4;
  const int calls = GetParam().count > 1 ? 3 : 20;
  std::vector<std::thread> callers;
  std::vector<int> wrong(kCallers, 0);
  for (int caller = 0; caller < kCallers; ++caller) {
    callers.emplace_back([&, caller] {
      bool with_files = caller % 2 == 0;
      for (int i = 0; i < calls; ++i) {
        std::vector<UniqueFd> files = MakeFiles(with_files ? GetParam().count : 0);
        std::vector<ino_t> sent = Inodes(files);
        ClientContext context;
        for (UniqueFd& file : files) context.AttachFd(std::move(file));
        Request request;
        request.set_action(Request::ECHO_FDS);
        request.set_text(absl::StrCat("caller ", caller, " call ", i));
        Reply reply;
        absl::Status status = stub_->Echo(context, request, &reply);
        if (!status.ok() || reply.text() != request.text() ||
            Inodes(context.TakeResponseFds()) != sent) {
          ++wrong[caller];
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_THAT(wrong, ::testing::Each(0));
  EXPECT_EQ(HelperOpenFds(), 0);
}

TEST_P(DescriptorsTest, ServerStreamMessagesCarryThem) {
  std::vector<UniqueFd> files = MakeFiles(GetParam().count);
  std::vector<ino_t> sent = Inodes(files);
  ClientContext context;
  for (UniqueFd& file : files) context.AttachFd(std::move(file));
  Request request;
  request.set_action(Request::ECHO_FDS);
  request.set_count(2);
  auto reader = stub_->Stream(context, request);
  Reply reply;
  std::vector<UniqueFd> received;
  ASSERT_TRUE(reader->Read(&reply, &received));
  EXPECT_EQ(Inodes(received), sent);
  std::vector<UniqueFd> none;
  ASSERT_TRUE(reader->Read(&reply, &none));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(reader->Finish(), IsOk());
}

TEST_P(DescriptorsTest, ClientStreamMessagesCarryThem) {
  std::vector<UniqueFd> files = MakeFiles(GetParam().count);
  std::vector<ino_t> sent = Inodes(files);
  ClientContext context;
  Reply reply;
  auto writer = stub_->Collect(context, &reply);
  Request request;
  request.set_action(Request::ECHO_FDS);
  ASSERT_TRUE(writer->Write(request, std::move(files)));
  ASSERT_THAT(writer->Finish(), IsOk());
  EXPECT_EQ(Inodes(context.TakeResponseFds()), sent);
}

TEST_P(DescriptorsTest, BidiMessagesCarryThemBothWays) {
  ClientContext context;
  auto stream = stub_->Chat(context);
  for (int round = 0; round < 3; ++round) {
    std::vector<UniqueFd> files = MakeFiles(GetParam().count);
    std::vector<ino_t> sent = Inodes(files);
    Request request;
    request.set_action(Request::ECHO_FDS);
    ASSERT_TRUE(stream->Write(request, std::move(files)));
    Reply reply;
    std::vector<UniqueFd> received;
    ASSERT_TRUE(stream->Read(&reply, &received));
    EXPECT_EQ(Inodes(received), sent) << "round " << round;
  }
  stream->WritesDone();
  EXPECT_THAT(stream->Finish(), IsOk());
}

TEST_P(DescriptorsTest, BigMessageAndDescriptorsTogether) {
  std::vector<UniqueFd> files = MakeFiles(GetParam().count);
  std::vector<ino_t> sent = Inodes(files);
  ClientContext context;
  for (UniqueFd& file : files) context.AttachFd(std::move(file));
  Request request;
  request.set_action(Request::ECHO_FDS);
  request.set_payload(std::string(3 << 20, 'z'));
  Reply reply;
  ASSERT_THAT(stub_->Echo(context, request, &reply), IsOk());
  EXPECT_EQ(reply.payload(), request.payload());
  EXPECT_EQ(Inodes(context.TakeResponseFds()), sent);
}

TEST_P(DescriptorsTest, NoneLeakOnAFailingCall) {
  int before = HelperOpenFds();
  for (int i = 0; i < 3; ++i) {
    ClientContext context;
    for (UniqueFd& file : MakeFiles(GetParam().count)) context.AttachFd(std::move(file));
    Request request;
    request.set_action(Request::FAIL);
    request.set_code(static_cast<int>(absl::StatusCode::kPermissionDenied));
    request.set_text("no");
    Reply reply;
    EXPECT_THAT(stub_->Echo(context, request, &reply),
                StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_TRUE(context.TakeResponseFds().empty());
  }
  EXPECT_EQ(HelperOpenFds(), before);
}

TEST_P(DescriptorsTest, NoneLeakWhenTheDeadlinePasses) {
  int before = HelperOpenFds();
  ClientContext context;
  context.set_timeout(absl::Milliseconds(50));
  for (UniqueFd& file : MakeFiles(GetParam().count)) context.AttachFd(std::move(file));
  Request request;
  request.set_action(Request::WAIT_FOR_CANCEL);
  Reply reply;
  EXPECT_THAT(stub_->Echo(context, request, &reply), StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The helper's handler sees the cancellation and drops what it received.
  for (int i = 0; i < 1000 && HelperOpenFds() != before; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(HelperOpenFds(), before);
}

TEST_P(DescriptorsTest, NoneLeakWhenAStreamIsCancelled) {
  int before = HelperOpenFds();
  {
    ClientContext context;
    auto stream = stub_->Chat(context);
    Request request;
    request.set_action(Request::ECHO_FDS);
    ASSERT_TRUE(stream->Write(request, MakeFiles(GetParam().count)));
    ASSERT_TRUE(stream->Write(request, MakeFiles(GetParam().count)));
    context.TryCancel();
  }
  for (int i = 0; i < 1000 && HelperOpenFds() != before; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(HelperOpenFds(), before);
}

INSTANTIATE_TEST_SUITE_P(Counts, DescriptorsTest, ::testing::ValuesIn([] {
                           std::vector<Case> cases;
                           for (SocketType type : {SocketType::kSeqPacket, SocketType::kDatagram}) {
                             for (int count : {0, 1, 253, 254, 1000}) {
                               cases.push_back({type, count});
                             }
                           }
                           return cases;
                         }()),
                         CaseName);

}  // namespace
}  // namespace forkrpc::testing
