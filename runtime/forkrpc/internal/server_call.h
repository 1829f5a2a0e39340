// server_call.h: one call at the server's end of a connection: the CallState the
// connection shares, the ServerContext lent to the handler, and the stream the handler
// reads and writes. Run() calls the handler on a server thread and sends its status.
#ifndef FORKRPC_INTERNAL_SERVER_CALL_H_
#define FORKRPC_INTERNAL_SERVER_CALL_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/internal/call_state.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/server_context.h"
#include "forkrpc/service.h"

namespace forkrpc::internal {

class ServerSession;

// Read and Write belong to the handler's thread; the CallState part is guarded by the
// connection's mutex.
class ServerCall final : public CallState, public GenericServerStream {
 public:
  // The context starts blank: the session fills it (ServerContextAccess::Fill) before
  // it shares the call. Living inside the call, it costs no allocation of its own.
  ServerCall(uint32_t id, const MethodHandler& handler, Service& service, ServerSession& session,
             Connection& connection);

  // The request of a unary or server-streaming call, parsed from its CALL_START.
  void set_request(std::unique_ptr<google::protobuf::MessageLite> request) {
    request_ = std::move(request);
  }
  ServerContext& context() { return context_; }
  const MethodHandler& handler() const { return handler_; }

  // Runs the handler, catching what it throws, and finishes the call.
  void Run();

  bool Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) override;
  bool Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds) override;

  // Whether the first server frame of the call has gone out (it carries the initial
  // metadata). Handler thread only.
  bool headers_sent() const { return headers_sent_; }

 private:
  const MethodHandler& handler_;
  Service& service_;
  ServerSession& session_;
  Connection& connection_;
  ServerContext context_;
  std::unique_ptr<google::protobuf::MessageLite> request_;
  bool headers_sent_ = false;
  // A failure of the handler's own stream use that outranks what the handler returns
  // (a request that did not parse, a response over the size limit).
  absl::Status stream_error_;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SERVER_CALL_H_
