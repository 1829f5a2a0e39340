// service_registration.h: the check that a generated Service registers what its .proto
// declares: one handler per method, in order, under gRPC's full name, of the method's
// call kind, making the method's request and response types. The golden and corpus
// tests both use it.
#ifndef FORKRPC_TESTS_CODEGEN_SERVICE_REGISTRATION_H_
#define FORKRPC_TESTS_CODEGEN_SERVICE_REGISTRATION_H_

#include <memory>
#include <string>

#include "forkrpc/codegen.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace forkrpc::codegen_test {

inline RpcKind ExpectedKind(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? RpcKind::kBidiStreaming : RpcKind::kClientStreaming;
  }
  return method.server_streaming() ? RpcKind::kServerStreaming : RpcKind::kUnary;
}

// The type name of `message`, or "none" for null.
inline std::string TypeOf(const std::unique_ptr<google::protobuf::MessageLite>& message) {
  return message == nullptr ? "none" : message->GetTypeName();
}

inline void ExpectRegistersEveryMethod(const Service& service,
                                       const google::protobuf::ServiceDescriptor& descriptor) {
  EXPECT_EQ(service.service_name(), descriptor.full_name());
  ASSERT_EQ(service.method_handlers().size(), static_cast<size_t>(descriptor.method_count()))
      << descriptor.full_name();
  for (int i = 0; i < descriptor.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *descriptor.method(i);
    const MethodHandler& handler = *service.method_handlers()[i];
    SCOPED_TRACE(method.full_name());
    EXPECT_EQ(std::string(handler.method().full_name),
              "/" + descriptor.full_name() + "/" + method.name());
    EXPECT_EQ(handler.method().kind, ExpectedKind(method));
    // The server parses the one request of unary and server-streaming calls, and sends
    // the one response of unary and client-streaming calls.
    EXPECT_EQ(TypeOf(handler.NewRequest()),
              method.client_streaming() ? "none" : method.input_type()->full_name());
    EXPECT_EQ(TypeOf(handler.NewResponse()),
              method.server_streaming() ? "none" : method.output_type()->full_name());
  }
}

}  // namespace forkrpc::codegen_test

#endif  // FORKRPC_TESTS_CODEGEN_SERVICE_REGISTRATION_H_
