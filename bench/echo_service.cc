#include "bench/echo_service.h"

#include <memory>
#include <string>

namespace forkrpc_bench {

absl::Status EchoService::Unary(forkrpc::ServerContext& context, const Msg& request, Msg* reply) {
  *reply = request;
  return absl::OkStatus();
}

absl::Status EchoService::Flood(forkrpc::ServerContext& context, const FloodRequest& request,
                                forkrpc::ServerWriter<Msg>& writer) {
  Msg message;
  message.set_payload(std::string(request.payload_size(), 'x'));
  for (uint64_t i = 0; i < request.count(); ++i) {
    message.set_id(i);
    if (!writer.Write(message)) break;
  }
  return absl::OkStatus();
}

absl::Status EchoService::PingPong(forkrpc::ServerContext& context,
                                   forkrpc::ServerReaderWriter<Msg, Msg>& stream) {
  Msg message;
  while (stream.Read(&message)) {
    if (!stream.Write(message)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<forkrpc::Child> SpawnEchoHelper(forkrpc::SocketType type) {
  forkrpc::SpawnOptions options;
  options.socket_type = type;
  options.name = "echo";
  return forkrpc::Spawn(
      [](forkrpc::Server& server) { server.Register(std::make_unique<EchoService>()); },
      std::move(options));
}

absl::StatusOr<std::vector<EchoHelper>> SpawnEchoHelpers() {
  std::vector<EchoHelper> helpers;
  for (forkrpc::SocketType type : kSocketTypes) {
    absl::StatusOr<forkrpc::Child> child = SpawnEchoHelper(type);
    if (!child.ok()) return child.status();
    helpers.push_back(EchoHelper{ImplName(type), *std::move(child)});
  }
  return helpers;
}

absl::Status StopEchoHelpers(std::vector<EchoHelper>& helpers) {
  absl::Status result;
  for (EchoHelper& helper : helpers) {
    absl::StatusOr<forkrpc::ExitStatus> end = helper.child.Wait();
    if (!end.ok()) {
      result.Update(end.status());
    } else if (!end->success()) {
      result.Update(absl::InternalError(helper.impl + " helper " + end->ToString()));
    }
  }
  return result;
}

std::string ImplName(forkrpc::SocketType type) {
  return type == forkrpc::SocketType::kDatagram ? "forkrpc_dgram" : "forkrpc_seqpacket";
}

Msg MakeRequest(size_t payload_size) {
  Msg request;
  request.set_id(1);
  request.set_payload(std::string(payload_size, 'x'));
  return request;
}

absl::Status EchoOnce(frpc::Echo::Stub& stub, const Msg& request, Msg* reply) {
  forkrpc::ClientContext context;
  return stub.Unary(context, request, reply);
}

}  // namespace forkrpc_bench
