// names.h: every C++ spelling the generator writes. Message types are spelled as their
// .pb.h declares them (protobuf's compiler/cpp/names.h decides); the names forkrpc itself
// declares (service classes, stub and service methods, method constants) are the proto's
// names, escaped where C++ would refuse them or where they would meet a name the generated
// code already uses in the same scope. Escaping appends underscores, as protobuf does for
// keywords, and keeps appending until the name is free, so it never makes a new clash:
//   service Stub { rpc delete(M) returns (M); rpc delete_(M) returns (M); }
//   class Stub_ { ... delete__(...); delete_(...); };   // the wire keeps "/pkg.Stub/delete"
#ifndef FORKRPC_CODEGEN_NAMES_H_
#define FORKRPC_CODEGEN_NAMES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace forkrpc::plugin {

// True if `word` cannot name a C++ entity: a keyword or alternative token of C++20, or one
// of the few macros that every translation unit including the standard library may see.
bool IsCppKeyword(absl::string_view word);

// The C++ namespace of a proto package: "a.b.c" -> "a::b::c", "" -> "" (global).
// Components are kept as written, keywords included, because protobuf 3.21's .pb.h keeps
// them so and the generated code must name the same types.
std::string PackageNamespace(absl::string_view package);

// The message's class as its .pb.h declares it, from the global namespace:
// "::demo::AddReply", "::google::protobuf::Empty", "::demo::Outer_Inner".
std::string QualifiedMessageName(const google::protobuf::Descriptor& message);

// Spells the names one C++ scope declares, in order. A name is kept as written unless it
// is a C++ keyword, is in `reserved` (what the generator, a base class or the enclosing
// code already declares there) or repeats an earlier name; such a name gets trailing
// underscores until it is none of these and meets no other spelling in the scope.
std::vector<std::string> SpellInScope(const std::vector<std::string>& names,
                                      const absl::flat_hash_set<std::string>& reserved);

// The C++ names of everything the generated code for one .proto file declares. Computed
// once per file, since a name's spelling depends on its neighbours.
class FileNames {
 public:
  // `own_namespace`: the service classes live in a namespace of their own (the
  // services_namespace option) rather than beside the package's messages.
  FileNames(const google::protobuf::FileDescriptor& file, bool own_namespace);

  // The service's class: "Calc", or "Stub_" for a service named Stub.
  const std::string& ServiceClass(const google::protobuf::ServiceDescriptor& service) const;
  // The method's name in the service's Stub class.
  const std::string& StubMethod(const google::protobuf::MethodDescriptor& method) const;
  // The method's name in the service's Service class.
  const std::string& ServiceMethod(const google::protobuf::MethodDescriptor& method) const;
  // The file-local RpcMethod constant of the method: "kCalcAdd".
  const std::string& MethodConstant(const google::protobuf::MethodDescriptor& method) const;

 private:
  void SpellServices(const google::protobuf::FileDescriptor& file,
                     absl::flat_hash_set<std::string> reserved);
  void SpellMethods(const google::protobuf::ServiceDescriptor& service);
  void SpellMethodConstants(const google::protobuf::FileDescriptor& file,
                            absl::flat_hash_set<std::string> reserved);

  absl::flat_hash_map<const google::protobuf::ServiceDescriptor*, std::string> service_classes_;
  absl::flat_hash_map<const google::protobuf::MethodDescriptor*, std::string> stub_methods_;
  absl::flat_hash_map<const google::protobuf::MethodDescriptor*, std::string> service_methods_;
  absl::flat_hash_map<const google::protobuf::MethodDescriptor*, std::string> method_constants_;
};

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_NAMES_H_
