// test_service.h: the implementations of the test protos' services that runtime tests
// run in their helpers, and a one-line way to spawn a helper serving them.
#ifndef FORKRPC_TESTS_SUPPORT_TEST_SERVICE_H_
#define FORKRPC_TESTS_SUPPORT_TEST_SERVICE_H_

#include "absl/status/statusor.h"
#include "calc.forkrpc.h"
#include "forkrpc/forkrpc.h"
#include "test_service.forkrpc.h"

namespace forkrpc::testing {

// The type URL of the status detail FAIL attaches (the request's payload).
inline constexpr char kFailureDetailType[] = "type.googleapis.com/forkrpc.test.Detail";

// Does what each request asks (test_service.proto). `report_fd`, when valid, is where
// WAIT_FOR_CANCEL writes "cancelled\n" once it saw its call cancelled.
class TestServiceImpl final : public forkrpc::test::Test::Service {
 public:
  explicit TestServiceImpl(int report_fd = -1) : report_fd_(report_fd) {}

  absl::Status Echo(ServerContext& context, const forkrpc::test::Request& request,
                    forkrpc::test::Reply* reply) override;
  absl::Status Stream(ServerContext& context, const forkrpc::test::Request& request,
                      ServerWriter<forkrpc::test::Reply>& writer) override;
  absl::Status Collect(ServerContext& context, ServerReader<forkrpc::test::Request>& reader,
                       forkrpc::test::Reply* reply) override;
  absl::Status Chat(
      ServerContext& context,
      ServerReaderWriter<forkrpc::test::Reply, forkrpc::test::Request>& stream) override;

 private:
  // Carries out `request`'s action and fills `reply`; the status to answer with.
  // `fds` are the request's descriptors; ECHO_FDS leaves them in `reply_fds`.
  absl::Status Act(ServerContext& context, const forkrpc::test::Request& request,
                   forkrpc::test::Reply* reply, std::vector<UniqueFd>* fds = nullptr,
                   std::vector<UniqueFd>* reply_fds = nullptr);

  int report_fd_;
};

// Adds, ranges, sums and chats as calc.proto says.
class CalcImpl final : public demo::Calc::Service {
 public:
  absl::Status Add(ServerContext& context, const demo::AddRequest& request,
                   demo::AddReply* reply) override;
  absl::Status Range(ServerContext& context, const demo::RangeRequest& request,
                     ServerWriter<demo::Number>& writer) override;
  absl::Status Sum(ServerContext& context, ServerReader<demo::Number>& reader,
                   demo::Number* total) override;
  absl::Status Chat(ServerContext& context,
                    ServerReaderWriter<demo::ChatMessage, demo::ChatMessage>& stream) override;
};

// Spawns a helper serving TestServiceImpl (reporting to `report_fd`, which it keeps)
// and CalcImpl over `type`.
absl::StatusOr<Child> SpawnTestHelper(SocketType type, int report_fd = -1,
                                      SpawnOptions options = {});

// Reads one line from `fd`, waiting at most `timeout`; empty on timeout or end-of-file.
std::string ReadLine(int fd, absl::Duration timeout = absl::Seconds(30));

}  // namespace forkrpc::testing

#endif  // FORKRPC_TESTS_SUPPORT_TEST_SERVICE_H_
