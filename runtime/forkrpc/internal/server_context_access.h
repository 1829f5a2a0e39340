// server_context_access.h: what the server sets up in and reads back from a
// ServerContext, kept off the context's public face.
#ifndef FORKRPC_INTERNAL_SERVER_CONTEXT_ACCESS_H_
#define FORKRPC_INTERNAL_SERVER_CONTEXT_ACCESS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "forkrpc/server_context.h"

namespace forkrpc::internal {

struct ServerContextAccess {
  // A context with nothing set yet, to be filled by Fill. Returned as a prvalue, it can
  // initialise a member in place although contexts neither copy nor move.
  static ServerContext Blank() { return ServerContext(); }

  // `method` must outlive the context: the handler's RpcMethod name does.
  static void Fill(ServerContext& context, absl::string_view method, absl::Time deadline,
                   Metadata&& client_metadata, const PeerCredentials& peer,
                   std::vector<UniqueFd> request_fds) {
    context.method_ = method;
    context.deadline_ = deadline;
    // Most calls carry none, and a blank context's map is empty already.
    if (!client_metadata.empty()) context.client_metadata_ = std::move(client_metadata);
    context.peer_credentials_ = peer;
    context.request_fds_ = std::move(request_fds);
  }

  static std::unique_ptr<ServerContext> Make(absl::string_view method, absl::Time deadline,
                                             Metadata client_metadata, PeerCredentials peer,
                                             std::vector<UniqueFd> request_fds) {
    std::unique_ptr<ServerContext> context(new ServerContext(Blank()));
    Fill(*context, method, deadline, std::move(client_metadata), peer, std::move(request_fds));
    return context;
  }

  static void Cancel(ServerContext& context) {
    context.cancelled_.store(true, std::memory_order_release);
  }

  static const Metadata& initial_metadata(const ServerContext& context) {
    return context.initial_metadata_;
  }
  static const Metadata& trailing_metadata(const ServerContext& context) {
    return context.trailing_metadata_;
  }
  static std::vector<UniqueFd>& response_fds(ServerContext& context) {
    return context.response_fds_;
  }
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SERVER_CONTEXT_ACCESS_H_
