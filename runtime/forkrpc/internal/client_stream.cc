#include "forkrpc/internal/client_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/socket_channel.h"
#include "forkrpc/internal/socket_io.h"

namespace forkrpc::internal {

ClientStream::ClientStream(std::shared_ptr<SocketChannel> channel, std::shared_ptr<ClientCall> call,
                           ClientContext& context, bool writes_done)
    : channel_(std::move(channel)),
      call_(std::move(call)),
      context_(&context),
      writes_done_(writes_done) {}

ClientStream::ClientStream(absl::Status failure) : start_failure_(std::move(failure)) {}

ClientStream::~ClientStream() {
  if (call_ == nullptr || finished_) return;
  channel_->EndLocally(*call_, absl::CancelledError("stream destroyed before Finish"),
                       /*tell_server=*/true);
  channel_->FinishContext(*call_, *context_);
}

void ClientStream::EndAfter(const absl::Status& status, absl::string_view what) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    channel_->EndLocally(*call_,
                         absl::DeadlineExceededError(absl::StrCat("call ", call_->method.full_name,
                                                                  " passed its deadline")),
                         /*tell_server=*/true);
  } else if (status.code() != absl::StatusCode::kFailedPrecondition) {
    // FAILED_PRECONDITION means the call ended already, with its own status.
    channel_->EndLocally(*call_, Annotate(status, what), /*tell_server=*/true);
  }
}

bool ClientStream::Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) {
  if (call_ == nullptr) return false;
  absl::StatusOr<bool> read =
      channel_->connection().ReadMessage(*call_, MessageTarget{message, fds}, call_->deadline);
  if (!read.ok()) {
    EndAfter(read.status(), "read response");
    return false;
  }
  return *read;
}

bool ClientStream::Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds,
                         bool last) {
  if (call_ == nullptr || writes_done_) return false;
  std::vector<int> raw = FdNumbers(fds);
  OutgoingFrame frame;
  frame.type = FrameType::kMessage;
  frame.flags = last ? kFlagEndOfStream : 0;
  frame.call_id = call_->id();
  frame.message = &message;
  frame.fds = raw;
  absl::Status status =
      channel_->connection().SendStreamMessage(*call_, std::move(frame), call_->deadline);
  if (!status.ok()) {
    EndAfter(status, absl::StrCat("request of ", call_->method.full_name));
    return false;
  }
  if (last) writes_done_ = true;
  return true;  // `fds` close here: the peer has its own copies now
}

bool ClientStream::WritesDone() {
  if (call_ == nullptr) return false;
  if (writes_done_) return true;
  writes_done_ = true;
  OutgoingFrame frame;
  frame.type = FrameType::kHalfClose;
  frame.call_id = call_->id();
  absl::Status status = channel_->connection().Send(frame, call_->deadline);
  if (!status.ok()) {
    EndAfter(status, "half-close");
    return false;
  }
  return true;
}

absl::Status ClientStream::Finish() {
  if (call_ == nullptr) return start_failure_;
  if (finished_) return call_->status;
  if (!writes_done_) WritesDone();
  absl::Status status = channel_->AwaitEnd(*call_);
  channel_->FinishContext(*call_, *context_);
  finished_ = true;
  return status;
}

}  // namespace forkrpc::internal
