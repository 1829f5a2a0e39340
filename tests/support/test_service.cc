#include "tests/support/test_service.h"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/process_hygiene.h"

namespace forkrpc::testing {

using forkrpc::test::Reply;
using forkrpc::test::Request;

absl::Status TestServiceImpl::Act(ServerContext& context, const Request& request, Reply* reply,
                                  std::vector<UniqueFd>* fds, std::vector<UniqueFd>* reply_fds) {
  reply->set_text(request.text());
  reply->set_payload(request.payload());
  switch (request.action()) {
    case Request::ECHO:
      return absl::OkStatus();
    case Request::ECHO_FDS:
      if (fds != nullptr && reply_fds != nullptr) *reply_fds = std::move(*fds);
      return absl::OkStatus();
    case Request::SLEEP:
      absl::SleepFor(absl::Milliseconds(request.millis()));
      return absl::OkStatus();
    case Request::FAIL: {
      absl::Status status(static_cast<absl::StatusCode>(request.code()), request.text());
      status.SetPayload(kFailureDetailType, absl::Cord(request.payload()));
      context.AddTrailingMetadata("failure-reason", request.text());
      return status;
    }
    case Request::THROW:
      throw std::runtime_error(request.text());
    case Request::WAIT_FOR_CANCEL: {
      absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (!context.IsCancelled() && absl::Now() < give_up) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      if (report_fd_ >= 0) {
        const char* line = context.IsCancelled() ? "cancelled\n" : "not cancelled\n";
        [[maybe_unused]] ssize_t written = ::write(report_fd_, line, strlen(line));
      }
      return absl::CancelledError("saw the cancellation");
    }
    case Request::EXIT:
      std::fflush(nullptr);
      ::_exit(request.code());
    case Request::HANG:
      for (;;) ::pause();
    case Request::REPORT: {
      reply->set_has_deadline(context.deadline() != absl::InfiniteFuture());
      if (reply->has_deadline()) {
        reply->set_deadline_left_millis(
            absl::ToInt64Milliseconds(context.deadline() - absl::Now()));
      }
      reply->set_peer_pid(context.peer_credentials().pid);
      reply->set_peer_uid(static_cast<int32_t>(context.peer_credentials().uid));
      reply->set_server_pid(::getpid());
      int test_files = 0;
      for (const std::string& fd : OpenDescriptors()) {
        if (absl::StrContains(fd, "descriptors-test")) ++test_files;
      }
      reply->set_open_test_files(test_files);
      for (const auto& [key, value] : context.client_metadata()) {
        reply->add_metadata(absl::StrCat(key, "=", value));
        context.AddInitialMetadata(absl::StrCat("initial-", key), value);
        context.AddTrailingMetadata(absl::StrCat("trailing-", key), value);
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown action ", request.action()));
  }
}

absl::Status TestServiceImpl::Echo(ServerContext& context, const Request& request, Reply* reply) {
  std::vector<UniqueFd> fds = context.TakeRequestFds();
  std::vector<UniqueFd> reply_fds;
  absl::Status status = Act(context, request, reply, &fds, &reply_fds);
  for (UniqueFd& fd : reply_fds) context.AttachFd(std::move(fd));
  return status;
}

absl::Status TestServiceImpl::Stream(ServerContext& context, const Request& request,
                                     ServerWriter<Reply>& writer) {
  std::vector<UniqueFd> fds = context.TakeRequestFds();
  for (int i = 0; i < request.count(); ++i) {
    Reply reply;
    std::vector<UniqueFd> reply_fds;
    absl::Status status = Act(context, request, &reply, &fds, &reply_fds);
    if (!status.ok()) return status;
    reply.set_index(i);
    if (!writer.Write(reply, std::move(reply_fds))) return absl::CancelledError("client went away");
  }
  return absl::OkStatus();
}

absl::Status TestServiceImpl::Collect(ServerContext& context, ServerReader<Request>& reader,
                                      Reply* reply) {
  std::vector<std::string> texts;
  Request request;
  std::vector<UniqueFd> fds;
  while (reader.Read(&request, &fds)) {
    Reply ignored;
    absl::Status status = Act(context, request, &ignored);
    if (!status.ok()) return status;
    texts.push_back(request.text());
    reply->set_payload(request.payload());
    if (request.action() == Request::ECHO_FDS) {
      for (UniqueFd& fd : fds) context.AttachFd(std::move(fd));
    }
    fds.clear();
  }
  reply->set_text(absl::StrJoin(texts, ","));
  return absl::OkStatus();
}

absl::Status TestServiceImpl::Chat(ServerContext& context,
                                   ServerReaderWriter<Reply, Request>& stream) {
  Request request;
  int index = 0;
  std::vector<UniqueFd> fds;
  while (stream.Read(&request, &fds)) {
    Reply reply;
    std::vector<UniqueFd> reply_fds;
    absl::Status status = Act(context, request, &reply, &fds, &reply_fds);
    if (!status.ok()) return status;
    reply.set_index(index++);
    if (!stream.Write(reply, std::move(reply_fds))) return absl::CancelledError("client went away");
    fds.clear();
  }
  return absl::OkStatus();
}

absl::Status CalcImpl::Add(ServerContext&, const demo::AddRequest& request, demo::AddReply* reply) {
  reply->set_sum(request.a() + request.b());
  return absl::OkStatus();
}

absl::Status CalcImpl::Range(ServerContext&, const demo::RangeRequest& request,
                             ServerWriter<demo::Number>& writer) {
  for (int64_t i = request.begin(); i < request.end(); ++i) {
    demo::Number number;
    number.set_value(i);
    if (!writer.Write(number)) return absl::CancelledError("client went away");
  }
  return absl::OkStatus();
}

absl::Status CalcImpl::Sum(ServerContext&, ServerReader<demo::Number>& reader,
                           demo::Number* total) {
  demo::Number number;
  int64_t sum = 0;
  while (reader.Read(&number)) sum += number.value();
  total->set_value(sum);
  return absl::OkStatus();
}

absl::Status CalcImpl::Chat(ServerContext&,
                            ServerReaderWriter<demo::ChatMessage, demo::ChatMessage>& stream) {
  demo::ChatMessage message;
  while (stream.Read(&message)) {
    demo::ChatMessage answer;
    answer.set_text(absl::StrCat("re: ", message.text()));
    if (!stream.Write(answer)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<Child> SpawnTestHelper(SocketType type, int report_fd, SpawnOptions options) {
  options.socket_type = type;
  if (options.name == "helper") options.name = "test";
  if (report_fd >= 0) options.keep_fds.push_back(report_fd);
  return Spawn(
      [report_fd](Server& server) {
        server.Register(std::make_unique<TestServiceImpl>(report_fd));
        server.Register(std::make_unique<CalcImpl>());
      },
      std::move(options));
}

std::string ReadLine(int fd, absl::Duration timeout) {
  std::string line;
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    pollfd readable{fd, POLLIN, 0};
    int wait = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait <= 0 || ::poll(&readable, 1, wait) <= 0) return line;
    char c;
    if (::read(fd, &c, 1) != 1) return line;
    if (c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace forkrpc::testing
