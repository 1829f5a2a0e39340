// protoc-gen-forkrpc: run by protoc as --forkrpc_out=DIR (with --plugin=protoc-gen-forkrpc=PATH
// when it is not on PATH); writes <file>.forkrpc.{h,cc} for each .proto.
#include "codegen/generator.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  forkrpc::plugin::Generator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
