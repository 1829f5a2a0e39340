// service.h: the base of every generated `Service` class, and the handler that runs one
// of its methods. A generated service registers one MethodHandler per method in its
// constructor; the server looks handlers up by full method name.
#ifndef FORKRPC_SERVICE_H_
#define FORKRPC_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/rpc_method.h"
#include "forkrpc/server_context.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc {

class Service;

// Runs one method of a service, with its message types known. Made by the templates of
// codegen.h. Thread-safe: the server runs many calls of one handler at once.
class MethodHandler {
 public:
  explicit MethodHandler(RpcMethod method) : method_(method) {}
  virtual ~MethodHandler() = default;

  const RpcMethod& method() const { return method_; }

  // A new request message: the one request of unary and server-streaming calls, which
  // the server parses before Run. Null for the other kinds.
  virtual std::unique_ptr<google::protobuf::MessageLite> NewRequest() const = 0;
  // A new response message for unary and client-streaming calls, which Run fills and
  // the server sends with the status. Null for the other kinds.
  virtual std::unique_ptr<google::protobuf::MessageLite> NewResponse() const = 0;

  // Calls the user's method on `service`.
  virtual absl::Status Run(Service& service, ServerContext& context, GenericServerStream& stream,
                           const google::protobuf::MessageLite* request,
                           google::protobuf::MessageLite* response) const = 0;

 private:
  RpcMethod method_;
};

// A service implementation: derive from a generated `Service`, override its methods,
// register it with a Server. Methods not overridden answer UNIMPLEMENTED.
class Service {
 public:
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  virtual ~Service() = default;

  // The full service name, "package.Service".
  const std::string& service_name() const { return service_name_; }
  const std::vector<std::unique_ptr<MethodHandler>>& method_handlers() const {
    return method_handlers_;
  }

 protected:
  explicit Service(std::string service_name) : service_name_(std::move(service_name)) {}

  void AddMethod(std::unique_ptr<MethodHandler> handler) {
    method_handlers_.push_back(std::move(handler));
  }

 private:
  std::string service_name_;
  std::vector<std::unique_ptr<MethodHandler>> method_handlers_;
};

}  // namespace forkrpc

#endif  // FORKRPC_SERVICE_H_
