#include "forkrpc/internal/server_call.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/control_codec.h"
#include "forkrpc/internal/message_cache.h"
#include "forkrpc/internal/server_context_access.h"
#include "forkrpc/internal/server_session.h"
#include "forkrpc/internal/socket_io.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {

ServerCall::ServerCall(uint32_t id, const MethodHandler& handler, Service& service,
                       ServerSession& session, Connection& connection)
    : CallState(id, handler.method().kind != RpcKind::kUnary),
      handler_(handler),
      service_(service),
      session_(session),
      connection_(connection),
      context_(ServerContextAccess::Blank()) {}

void ServerCall::Run() {
  std::unique_ptr<google::protobuf::MessageLite> response =
      TakeMessage(handler_, MessageRole::kResponse);
  absl::Status status;
  // A handler's exception must not take the helper down with it: it answers UNKNOWN.
  try {
    status = handler_.Run(service_, context_, *this, request_.get(), response.get());
  } catch (const std::exception& e) {
    status = absl::UnknownError(absl::StrCat("handler threw: ", e.what()));
  } catch (...) {
    status = absl::UnknownError("handler threw: an exception not derived from std::exception");
  }
  if (!stream_error_.ok()) status = stream_error_;
  session_.FinishCall(*this, std::move(status), response.get());
  KeepMessage(handler_, MessageRole::kResponse, std::move(response));
  KeepMessage(handler_, MessageRole::kRequest, std::move(request_));
}

bool ServerCall::Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) {
  absl::StatusOr<bool> read =
      connection_.ReadMessage(*this, MessageTarget{message, fds}, context_.deadline());
  if (read.ok()) return *read;
  if (read.status().code() == absl::StatusCode::kInternal) {
    stream_error_ = absl::InternalError(
        absl::StrCat("request of ", handler_.method().full_name, " does not parse"));
  }
  return false;
}

bool ServerCall::Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds) {
  if (context_.IsCancelled() || !stream_error_.ok()) return false;
  std::vector<int> raw = FdNumbers(fds);
  wire::ServerHeaders headers;
  OutgoingFrame frame;
  frame.type = FrameType::kMessage;
  frame.call_id = id();
  frame.message = &message;
  frame.fds = raw;
  if (!headers_sent_ && !ServerContextAccess::initial_metadata(context_).empty()) {
    absl::Status valid = EncodeMetadata(ServerContextAccess::initial_metadata(context_),
                                        headers.mutable_initial_metadata());
    if (!valid.ok()) {
      stream_error_ = absl::InternalError(absl::StrCat("server initial ", valid.message()));
      return false;
    }
    frame.control = &headers;
  }
  absl::Status status =
      connection_.SendStreamMessage(*this, std::move(frame), context_.deadline());
  if (status.code() == absl::StatusCode::kResourceExhausted) stream_error_ = status;
  if (!status.ok()) return false;
  headers_sent_ = true;
  return true;
}

}  // namespace forkrpc::internal
