// Server-streaming, client-streaming and bidi calls into a forked helper, over both
// socket types: their messages, half-close, Finish, and writes after the end.
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StreamsTest : public SocketTypeTest {
 protected:
  void SetUp() override {
    absl::StatusOr<Child> child = SpawnTestHelper(GetParam());
    ASSERT_THAT(child, IsOk());
    child_.emplace(*std::move(child));
    calc_ = std::make_unique<demo::Calc::Stub>(child_->channel());
    test_ = std::make_unique<forkrpc::test::Test::Stub>(child_->channel());
  }
  void TearDown() override {
    calc_.reset();
    test_.reset();
    if (child_.has_value()) {
      absl::StatusOr<ExitStatus> end = child_->Wait();
      EXPECT_THAT(end, IsOk());
      if (end.ok()) EXPECT_TRUE(end->success()) << end->ToString();
      child_.reset();
    }
    SocketTypeTest::TearDown();
  }

  std::optional<Child> child_;
  std::unique_ptr<demo::Calc::Stub> calc_;
  std::unique_ptr<forkrpc::test::Test::Stub> test_;
};

TEST_P(StreamsTest, ServerStreamDeliversEveryMessageInOrder) {
  ClientContext context;
  demo::RangeRequest request;
  request.set_begin(5);
  request.set_end(5000);
  auto reader = calc_->Range(context, request);
  demo::Number number;
  int64_t expected = 5;
  while (reader->Read(&number)) {
    ASSERT_EQ(number.value(), expected);
    ++expected;
  }
  EXPECT_EQ(expected, 5000);
  EXPECT_THAT(reader->Finish(), IsOk());
}

TEST_P(StreamsTest, EmptyServerStreamFinishesOk) {
  ClientContext context;
  demo::RangeRequest request;
  auto reader = calc_->Range(context, request);
  demo::Number number;
  EXPECT_FALSE(reader->Read(&number));
  EXPECT_THAT(reader->Finish(), IsOk());
}

TEST_P(StreamsTest, ClientStreamSumsWhatWasWritten) {
  ClientContext context;
  demo::Number total;
  auto writer = calc_->Sum(context, &total);
  int64_t expected = 0;
  for (int i = 1; i <= 5000; ++i) {
    demo::Number number;
    number.set_value(i);
    ASSERT_TRUE(writer->Write(number));
    expected += i;
  }
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_THAT(writer->Finish(), IsOk());
  EXPECT_EQ(total.value(), expected);
}

TEST_P(StreamsTest, ClientStreamFinishHalfClosesByItself) {
  ClientContext context;
  Reply reply;
  auto writer = test_->Collect(context, &reply);
  for (const char* text : {"a", "b", "c"}) {
    Request request;
    request.set_text(text);
    ASSERT_TRUE(writer->Write(request));
  }
  ASSERT_THAT(writer->Finish(), IsOk());
  EXPECT_EQ(reply.text(), "a,b,c");
}

TEST_P(StreamsTest, BidiAnswersEachMessage) {
  ClientContext context;
  auto stream = calc_->Chat(context);
  for (int i = 0; i < 100; ++i) {
    demo::ChatMessage message;
    message.set_text(absl::StrCat("hello ", i));
    ASSERT_TRUE(stream->Write(message));
    demo::ChatMessage answer;
    ASSERT_TRUE(stream->Read(&answer));
    EXPECT_EQ(answer.text(), absl::StrCat("re: hello ", i));
  }
  ASSERT_TRUE(stream->WritesDone());
  demo::ChatMessage extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_THAT(stream->Finish(), IsOk());
}

TEST_P(StreamsTest, BidiReadsAndWritesFromTwoThreads) {
  ClientContext context;
  auto stream = calc_->Chat(context);
  constexpr int kMessages = 3000;
  std::thread writer([&] {
    for (int i = 0; i < kMessages; ++i) {
      demo::ChatMessage message;
      message.set_text(std::to_string(i));
      if (!stream->Write(message)) return;
    }
    stream->WritesDone();
  });
  int received = 0;
  demo::ChatMessage answer;
  while (stream->Read(&answer)) {
    ASSERT_EQ(answer.text(), absl::StrCat("re: ", received));
    ++received;
  }
  writer.join();
  EXPECT_EQ(received, kMessages);
  EXPECT_THAT(stream->Finish(), IsOk());
}

TEST_P(StreamsTest, ServerStreamErrorArrivesAfterTheMessagesBeforeIt) {
  ClientContext context;
  Request request;
  request.set_count(3);
  auto reader = test_->Stream(context, request);
  Reply reply;
  ASSERT_TRUE(reader->Read(&reply));
  ASSERT_TRUE(reader->Read(&reply));
  ASSERT_TRUE(reader->Read(&reply));
  EXPECT_EQ(reply.index(), 2);
  EXPECT_FALSE(reader->Read(&reply));
  EXPECT_THAT(reader->Finish(), IsOk());

  ClientContext failing_context;
  Request failing;
  failing.set_count(5);
  failing.set_action(Request::FAIL);
  failing.set_code(static_cast<int>(absl::StatusCode::kOutOfRange));
  failing.set_text("no more");
  auto failing_reader = test_->Stream(failing_context, failing);
  EXPECT_FALSE(failing_reader->Read(&reply));
  EXPECT_THAT(failing_reader->Finish(), StatusIs(absl::StatusCode::kOutOfRange, "no more"));
}

TEST_P(StreamsTest, WritesAfterTheServerFinishedReturnFalse) {
  ClientContext context;
  auto stream = test_->Chat(context);
  Request failing;
  failing.set_action(Request::FAIL);
  failing.set_code(static_cast<int>(absl::StatusCode::kAborted));
  failing.set_text("stop");
  ASSERT_TRUE(stream->Write(failing));
  Reply reply;
  EXPECT_FALSE(stream->Read(&reply));
  Request more;
  EXPECT_FALSE(stream->Write(more));
  EXPECT_THAT(stream->Finish(), StatusIs(absl::StatusCode::kAborted, "stop"));
}

TEST_P(StreamsTest, WriteAfterWritesDoneReturnsFalse) {
  ClientContext context;
  Reply reply;
  auto writer = test_->Collect(context, &reply);
  ASSERT_TRUE(writer->WritesDone());
  Request late;
  EXPECT_FALSE(writer->Write(late));
  EXPECT_THAT(writer->Finish(), IsOk());
  EXPECT_EQ(reply.text(), "");
}

TEST_P(StreamsTest, DestroyingAnUnfinishedStreamCancelsItWithoutBlocking) {
  {
    ClientContext context;
    Request request;
    request.set_action(Request::SLEEP);
    request.set_millis(10);
    request.set_count(1000000);
    auto reader = test_->Stream(context, request);
    Reply reply;
    ASSERT_TRUE(reader->Read(&reply));
  }
  // The channel still works.
  demo::AddRequest add;
  add.set_a(1);
  add.set_b(2);
  absl::StatusOr<demo::AddReply> sum = calc_->Add(add);
  ASSERT_THAT(sum, IsOk());
  EXPECT_EQ(sum->sum(), 3);
}

FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(StreamsTest);

}  // namespace
}  // namespace forkrpc::testing
