// method_kind.h: which of the four call kinds a proto method is, and the runtime's names
// for each kind. The only reader of a method's streaming flags, so every printer agrees on
// the kind and picks its templates with one switch over MethodKind.
#ifndef FORKRPC_CODEGEN_METHOD_KIND_H_
#define FORKRPC_CODEGEN_METHOD_KIND_H_

#include "google/protobuf/descriptor.h"

namespace forkrpc::plugin {

enum class MethodKind {
  kUnary,            // rpc Add(Req) returns (Resp)
  kServerStreaming,  // rpc Range(Req) returns (stream Resp)
  kClientStreaming,  // rpc Sum(stream Req) returns (Resp)
  kBidiStreaming,    // rpc Chat(stream Req) returns (stream Resp)
};

MethodKind MethodKindOf(const google::protobuf::MethodDescriptor& method);

// The matching enumerator of ::forkrpc::RpcKind, as generated code spells it: "kUnary".
const char* RpcKindEnumerator(MethodKind kind);

// The handler template of forkrpc/codegen.h that serves the kind: "UnaryHandler".
const char* HandlerTemplate(MethodKind kind);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_METHOD_KIND_H_
