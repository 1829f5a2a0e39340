// vars.h: the variables the printers' templates use, one map per level. A service's map
// starts as a copy of its file's and a method's as a copy of its service's, and each is
// built fresh, so what one printer sets never leaks into another's output.
//
//   file:    proto_file ("b/calc.proto"), first_include and second_include (the header's
//            two, "b/calc.pb.h" and "forkrpc/codegen.h", sorted), forkrpc_header
//            ("b/calc.forkrpc.h"), forkrpc_source ("b/calc.forkrpc.cc"), header_guard
//            ("B_CALC_FORKRPC_H_"), namespace ("demo", "a::b::c", "demo::rpc"; "" for
//            the global namespace)
//   service: service (the C++ class, "Calc"), service_full_name ("demo.Calc")
//   method:  stub_method, service_method (the C++ names in Stub and Service),
//            method_constant ("kCalcAdd"), method_full_name ("/demo.Calc/Add"),
//            rpc_kind ("kUnary"), handler ("UnaryHandler"), request, response
//            ("::demo::AddRequest")
#ifndef FORKRPC_CODEGEN_VARS_H_
#define FORKRPC_CODEGEN_VARS_H_

#include <map>
#include <string>

#include "codegen/names.h"
#include "codegen/options.h"
#include "google/protobuf/descriptor.h"

namespace forkrpc::plugin {

// What protobuf 3.21's io::Printer::Print takes.
using Vars = std::map<std::string, std::string>;

Vars FileVars(const google::protobuf::FileDescriptor& file, const Options& options);

Vars ServiceVars(const google::protobuf::ServiceDescriptor& service, const FileNames& names,
                 const Vars& file_vars);

Vars MethodVars(const google::protobuf::MethodDescriptor& method, const FileNames& names,
                const Vars& service_vars);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_VARS_H_
