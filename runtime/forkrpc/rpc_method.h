// rpc_method.h: what a channel needs to know of a method to call it: its full name, as
// gRPC spells it on the wire ("/demo.Calc/Add"), and which of the four call kinds it
// is. Generated stubs keep one constant RpcMethod per method.
#ifndef FORKRPC_RPC_METHOD_H_
#define FORKRPC_RPC_METHOD_H_

namespace forkrpc {

enum class RpcKind {
  kUnary,            // one request, one response
  kServerStreaming,  // one request, a stream of responses
  kClientStreaming,  // a stream of requests, one response
  kBidiStreaming,    // a stream each way
};

// "unary", "server streaming", "client streaming" or "bidi streaming".
const char* RpcKindName(RpcKind kind);

struct RpcMethod {
  // "/package.Service/Method"; must outlive every call of the method (a literal).
  const char* full_name;
  RpcKind kind;
};

}  // namespace forkrpc

#endif  // FORKRPC_RPC_METHOD_H_
