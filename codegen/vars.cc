#include "codegen/vars.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "codegen/method_kind.h"
#include "google/protobuf/compiler/cpp/names.h"

namespace forkrpc::plugin {
namespace {

// "b/calc.forkrpc.h" -> "B_CALC_FORKRPC_H_"; a guard cannot start with a digit, so such
// a path gets the project's prefix.
std::string HeaderGuard(absl::string_view header) {
  std::string guard;
  for (char c : header) guard += absl::ascii_isalnum(c) ? absl::ascii_toupper(c) : '_';
  if (absl::ascii_isdigit(guard[0])) guard.insert(0, "FORKRPC_");
  return guard + "_";
}

}  // namespace

Vars FileVars(const google::protobuf::FileDescriptor& file, const Options& options) {
  std::string stem = google::protobuf::compiler::cpp::StripProto(file.name());
  std::string space = PackageNamespace(file.package());
  if (!options.services_namespace.empty()) {
    space = space.empty() ? options.services_namespace
                          : absl::StrCat(space, "::", options.services_namespace);
  }
  // The two includes of the header, in the order clang-format sorts them.
  std::string pb_header = absl::StrCat(stem, ".pb.h");
  std::string runtime_header = "forkrpc/codegen.h";
  if (runtime_header < pb_header) std::swap(pb_header, runtime_header);
  return {
      {"proto_file", file.name()},
      {"first_include", pb_header},
      {"second_include", runtime_header},
      {"forkrpc_header", absl::StrCat(stem, ".forkrpc.h")},
      {"forkrpc_source", absl::StrCat(stem, ".forkrpc.cc")},
      {"header_guard", HeaderGuard(absl::StrCat(stem, ".forkrpc.h"))},
      {"namespace", space},
  };
}

Vars ServiceVars(const google::protobuf::ServiceDescriptor& service, const FileNames& names,
                 const Vars& file_vars) {
  Vars vars = file_vars;
  vars["service"] = names.ServiceClass(service);
  vars["service_full_name"] = service.full_name();
  return vars;
}

Vars MethodVars(const google::protobuf::MethodDescriptor& method, const FileNames& names,
                const Vars& service_vars) {
  Vars vars = service_vars;
  vars["stub_method"] = names.StubMethod(method);
  vars["service_method"] = names.ServiceMethod(method);
  vars["method_constant"] = names.MethodConstant(method);
  // gRPC's spelling, with the proto's names, so a call can cross to gRPC unchanged.
  vars["method_full_name"] = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  vars["rpc_kind"] = RpcKindEnumerator(MethodKindOf(method));
  vars["handler"] = HandlerTemplate(MethodKindOf(method));
  vars["request"] = QualifiedMessageName(*method.input_type());
  vars["response"] = QualifiedMessageName(*method.output_type());
  return vars;
}

}  // namespace forkrpc::plugin
