// codegen.h: everything code made by protoc-gen-forkrpc calls, and the only forkrpc
// header it includes. Stub methods are one call each into the functions here; service
// constructors register the handlers the templates here make. The names are stable
// for generated code; users call the generated classes instead.
#ifndef FORKRPC_CODEGEN_H_
#define FORKRPC_CODEGEN_H_

#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/channel.h"
#include "forkrpc/client_context.h"
#include "forkrpc/rpc_method.h"
#include "forkrpc/server_context.h"
#include "forkrpc/service.h"
#include "forkrpc/sync_stream.h"

namespace forkrpc::codegen {

// --- client side -----------------------------------------------------------------

inline absl::Status BlockingUnaryCall(Channel& channel, const RpcMethod& method,
                                      ClientContext& context,
                                      const google::protobuf::MessageLite& request,
                                      google::protobuf::MessageLite* response) {
  return channel.Call(method, context, request, response);
}

// The context-free unary form: a fresh context, the channel's default timeout.
template <class Response>
absl::StatusOr<Response> UnaryCall(Channel& channel, const RpcMethod& method,
                                   const google::protobuf::MessageLite& request) {
  ClientContext context;
  Response response;
  absl::Status status = channel.Call(method, context, request, &response);
  if (!status.ok()) return status;
  return response;
}

inline void AsyncUnaryCall(Channel& channel, const RpcMethod& method, ClientContext& context,
                           const google::protobuf::MessageLite& request,
                           google::protobuf::MessageLite* response,
                           absl::AnyInvocable<void(absl::Status)> done) {
  channel.CallAsync(method, context, request, response, std::move(done));
}

template <class Response>
std::unique_ptr<ClientReader<Response>> ServerStreamingCall(
    Channel& channel, const RpcMethod& method, ClientContext& context,
    const google::protobuf::MessageLite& request) {
  return std::make_unique<ClientReader<Response>>(
      channel.StartStream(method, context, &request, nullptr));
}

template <class Request>
std::unique_ptr<ClientWriter<Request>> ClientStreamingCall(
    Channel& channel, const RpcMethod& method, ClientContext& context,
    google::protobuf::MessageLite* response) {
  return std::make_unique<ClientWriter<Request>>(
      channel.StartStream(method, context, nullptr, response));
}

template <class Request, class Response>
std::unique_ptr<ClientReaderWriter<Request, Response>> BidiStreamingCall(Channel& channel,
                                                                         const RpcMethod& method,
                                                                         ClientContext& context) {
  return std::make_unique<ClientReaderWriter<Request, Response>>(
      channel.StartStream(method, context, nullptr, nullptr));
}

// --- server side -----------------------------------------------------------------

// What a service method answers until it is overridden.
inline absl::Status Unimplemented(const RpcMethod& method) {
  return absl::UnimplementedError(absl::StrCat("method ", method.full_name, " is not implemented"));
}

template <class ServiceT, class Request, class Response>
class UnaryHandler final : public MethodHandler {
 public:
  using Method = absl::Status (ServiceT::*)(ServerContext&, const Request&, Response*);
  UnaryHandler(RpcMethod method, Method fn) : MethodHandler(method), fn_(fn) {}
  std::unique_ptr<google::protobuf::MessageLite> NewRequest() const override {
    return std::make_unique<Request>();
  }
  std::unique_ptr<google::protobuf::MessageLite> NewResponse() const override {
    return std::make_unique<Response>();
  }
  absl::Status Run(Service& service, ServerContext& context, GenericServerStream&,
                   const google::protobuf::MessageLite* request,
                   google::protobuf::MessageLite* response) const override {
    return (static_cast<ServiceT&>(service).*fn_)(context, static_cast<const Request&>(*request),
                                                  static_cast<Response*>(response));
  }

 private:
  Method fn_;
};

template <class ServiceT, class Request, class Response>
class ServerStreamingHandler final : public MethodHandler {
 public:
  using Method = absl::Status (ServiceT::*)(ServerContext&, const Request&,
                                            ServerWriter<Response>&);
  ServerStreamingHandler(RpcMethod method, Method fn) : MethodHandler(method), fn_(fn) {}
  std::unique_ptr<google::protobuf::MessageLite> NewRequest() const override {
    return std::make_unique<Request>();
  }
  std::unique_ptr<google::protobuf::MessageLite> NewResponse() const override { return nullptr; }
  absl::Status Run(Service& service, ServerContext& context, GenericServerStream& stream,
                   const google::protobuf::MessageLite* request,
                   google::protobuf::MessageLite*) const override {
    ServerWriter<Response> writer(stream);
    return (static_cast<ServiceT&>(service).*fn_)(context, static_cast<const Request&>(*request),
                                                  writer);
  }

 private:
  Method fn_;
};

template <class ServiceT, class Request, class Response>
class ClientStreamingHandler final : public MethodHandler {
 public:
  using Method = absl::Status (ServiceT::*)(ServerContext&, ServerReader<Request>&, Response*);
  ClientStreamingHandler(RpcMethod method, Method fn) : MethodHandler(method), fn_(fn) {}
  std::unique_ptr<google::protobuf::MessageLite> NewRequest() const override { return nullptr; }
  std::unique_ptr<google::protobuf::MessageLite> NewResponse() const override {
    return std::make_unique<Response>();
  }
  absl::Status Run(Service& service, ServerContext& context, GenericServerStream& stream,
                   const google::protobuf::MessageLite*,
                   google::protobuf::MessageLite* response) const override {
    ServerReader<Request> reader(stream);
    return (static_cast<ServiceT&>(service).*fn_)(context, reader,
                                                  static_cast<Response*>(response));
  }

 private:
  Method fn_;
};

template <class ServiceT, class Request, class Response>
class BidiStreamingHandler final : public MethodHandler {
 public:
  using Method = absl::Status (ServiceT::*)(ServerContext&, ServerReaderWriter<Response, Request>&);
  BidiStreamingHandler(RpcMethod method, Method fn) : MethodHandler(method), fn_(fn) {}
  std::unique_ptr<google::protobuf::MessageLite> NewRequest() const override { return nullptr; }
  std::unique_ptr<google::protobuf::MessageLite> NewResponse() const override { return nullptr; }
  absl::Status Run(Service& service, ServerContext& context, GenericServerStream& stream,
                   const google::protobuf::MessageLite*,
                   google::protobuf::MessageLite*) const override {
    ServerReaderWriter<Response, Request> reader_writer(stream);
    return (static_cast<ServiceT&>(service).*fn_)(context, reader_writer);
  }

 private:
  Method fn_;
};

}  // namespace forkrpc::codegen

#endif  // FORKRPC_CODEGEN_H_
