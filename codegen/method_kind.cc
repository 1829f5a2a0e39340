#include "codegen/method_kind.h"

namespace forkrpc::plugin {

MethodKind MethodKindOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? MethodKind::kBidiStreaming : MethodKind::kClientStreaming;
  }
  return method.server_streaming() ? MethodKind::kServerStreaming : MethodKind::kUnary;
}

const char* RpcKindEnumerator(MethodKind kind) {
  switch (kind) {
    case MethodKind::kUnary:
      return "kUnary";
    case MethodKind::kServerStreaming:
      return "kServerStreaming";
    case MethodKind::kClientStreaming:
      return "kClientStreaming";
    case MethodKind::kBidiStreaming:
      return "kBidiStreaming";
  }
  return "kUnary";  // unreachable: the switch names every kind
}

const char* HandlerTemplate(MethodKind kind) {
  switch (kind) {
    case MethodKind::kUnary:
      return "UnaryHandler";
    case MethodKind::kServerStreaming:
      return "ServerStreamingHandler";
    case MethodKind::kClientStreaming:
      return "ClientStreamingHandler";
    case MethodKind::kBidiStreaming:
      return "BidiStreamingHandler";
  }
  return "UnaryHandler";  // unreachable: the switch names every kind
}

}  // namespace forkrpc::plugin
