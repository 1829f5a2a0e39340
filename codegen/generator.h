// generator.h: protoc-gen-forkrpc as protoc sees it. For each .proto on the command line
// protoc hands over its descriptor and the --forkrpc_opt parameter; the generator parses
// the options, names everything once and has the file printer write <file>.forkrpc.h and
// <file>.forkrpc.cc. The only place that speaks protoc's bool + *error; the rest of the
// plugin returns absl::Status.
#ifndef FORKRPC_CODEGEN_GENERATOR_H_
#define FORKRPC_CODEGEN_GENERATOR_H_

#include <cstdint>
#include <string>

#include "google/protobuf/compiler/code_generator.h"

namespace forkrpc::plugin {

// Stateless, so protoc may use one instance for every file.
class Generator final : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  // Without FEATURE_PROTO3_OPTIONAL protoc refuses files with proto3 `optional` fields;
  // stubs and services never look at fields, so they are no concern of ours.
  uint64_t GetSupportedFeatures() const override;
};

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_GENERATOR_H_
