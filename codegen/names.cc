#include "codegen/names.h"

#include <cctype>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/compiler/cpp/names.h"

namespace forkrpc::plugin {
namespace {

namespace cpp = google::protobuf::compiler::cpp;
using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// The words no C++ declaration may be named: the keywords of C++20, then its alternative
// tokens, which the preprocessor already reads as operators, then the macros of the C and
// C++ standard libraries that the generated code's includes bring in, which would rewrite
// a declaration named after them.
constexpr absl::string_view kKeywords[] = {
    "alignas",       "alignof",     "asm",       "auto",      "bool",         "break",
    "case",          "catch",       "char",      "char8_t",   "char16_t",     "char32_t",
    "class",         "concept",     "const",     "consteval", "constexpr",    "constinit",
    "const_cast",    "continue",    "co_await",  "co_return", "co_yield",     "decltype",
    "default",       "delete",      "do",        "double",    "dynamic_cast", "else",
    "enum",          "explicit",    "export",    "extern",    "false",        "float",
    "for",           "friend",      "goto",      "if",        "inline",       "int",
    "long",          "mutable",     "namespace", "new",       "noexcept",     "nullptr",
    "operator",      "private",     "protected", "public",    "register",     "reinterpret_cast",
    "requires",      "return",      "short",     "signed",    "sizeof",       "static",
    "static_assert", "static_cast", "struct",    "switch",    "template",     "this",
    "thread_local",  "throw",       "true",      "try",       "typedef",      "typeid",
    "typename",      "union",       "unsigned",  "using",     "virtual",      "void",
    "volatile",      "wchar_t",     "while",     "and",       "and_eq",       "bitand",
    "bitor",         "compl",       "not",       "not_eq",    "or",           "or_eq",
    "xor",           "xor_eq",      "NULL",      "EOF",       "assert",       "errno",
    "stderr",        "stdin",       "stdout"};

// What the generator declares in each scope (STYLE §7), and what the classes it derives
// from declare there.
constexpr const char* kServiceClassMembers[] = {"Stub", "Service", "NewStub", "service_full_name"};
constexpr const char* kStubMembers[] = {"Stub", "channel_"};
constexpr const char* kServiceMembers[] = {"Service", "service_name", "method_handlers",
                                           "AddMethod"};
// Namespaces the generated code reaches from the global scope, which a class declared
// there would hide.
constexpr const char* kGlobalNamespaces[] = {"absl", "forkrpc", "google", "std"};

template <size_t n>
void Insert(const char* const (&names)[n], absl::flat_hash_set<std::string>& set) {
  set.insert(names, names + n);
}

// "service_full_name" -> "ServiceFullName", for the constants' names.
std::string UpperCamel(absl::string_view name) {
  std::string camel;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    camel += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return camel;
}

void AddEnumNames(const EnumDescriptor& enum_type, absl::flat_hash_set<std::string>& names) {
  std::string enum_class = cpp::ClassName(&enum_type);
  names.insert(enum_class);
  for (int i = 0; i < enum_type.value_count(); ++i) {
    // A top-level enum's values sit in the namespace as they are; a nested one's are
    // prefixed with the enum's class name.
    names.insert(enum_type.containing_type() == nullptr
                     ? cpp::EnumValueName(enum_type.value(i))
                     : absl::StrCat(enum_class, "_", enum_type.value(i)->name()));
  }
}

// Every message class of a .pb.h is declared at namespace scope, nested ones as
// "Outer_Inner".
void AddMessageNames(const Descriptor& message, absl::flat_hash_set<std::string>& names) {
  names.insert(cpp::ClassName(&message));
  for (int i = 0; i < message.nested_type_count(); ++i) {
    AddMessageNames(*message.nested_type(i), names);
  }
  for (int i = 0; i < message.enum_type_count(); ++i) {
    AddEnumNames(*message.enum_type(i), names);
  }
}

// What `file`'s .pb.h declares in its package's namespace: messages, enums and their
// values, extensions. Protobuf's internal helpers (default instances, descriptor tables)
// are left out: their names are not ones a service can take.
void AddFileNames(const FileDescriptor& file, absl::flat_hash_set<std::string>& names) {
  for (int i = 0; i < file.message_type_count(); ++i) {
    AddMessageNames(*file.message_type(i), names);
  }
  for (int i = 0; i < file.enum_type_count(); ++i) AddEnumNames(*file.enum_type(i), names);
  for (int i = 0; i < file.extension_count(); ++i) {
    std::string qualified = cpp::QualifiedExtensionName(file.extension(i));
    names.insert(qualified.substr(qualified.rfind(':') + 1));
  }
}

// What the .pb.h files `file` includes, directly or not, declare in the namespace of its
// package: the names above, the services of other files, and the namespaces of packages
// nested in it.
absl::flat_hash_set<std::string> PackageScopeNames(const FileDescriptor& file) {
  absl::flat_hash_set<std::string> names;
  const std::string prefix = file.package().empty() ? "" : file.package() + ".";
  std::vector<const FileDescriptor*> pending = {&file};
  absl::flat_hash_set<const FileDescriptor*> seen = {&file};
  while (!pending.empty()) {
    const FileDescriptor& next = *pending.back();
    pending.pop_back();
    for (int i = 0; i < next.dependency_count(); ++i) {
      if (seen.insert(next.dependency(i)).second) pending.push_back(next.dependency(i));
    }
    absl::string_view package = next.package();
    if (package == file.package()) {
      AddFileNames(next, names);
      // This file's services are the ones being named.
      if (&next == &file) continue;
      for (int i = 0; i < next.service_count(); ++i) names.insert(next.service(i)->name());
    } else if (absl::ConsumePrefix(&package, prefix)) {
      names.insert(std::string(package.substr(0, package.find('.'))));
    }
  }
  return names;
}

}  // namespace

bool IsCppKeyword(absl::string_view word) {
  static const auto* const kKeywordSet =
      new absl::flat_hash_set<absl::string_view>(std::begin(kKeywords), std::end(kKeywords));
  return kKeywordSet->contains(word);
}

std::string PackageNamespace(absl::string_view package) {
  return absl::StrReplaceAll(package, {{".", "::"}});
}

std::string QualifiedMessageName(const Descriptor& message) {
  return cpp::QualifiedClassName(&message);
}

std::vector<std::string> SpellInScope(const std::vector<std::string>& names,
                                      const absl::flat_hash_set<std::string>& reserved) {
  // First every name that may stay as written, so escaped names go around them all.
  absl::flat_hash_set<std::string> taken = reserved;
  std::vector<bool> kept(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    kept[i] = !IsCppKeyword(names[i]) && taken.insert(names[i]).second;
  }
  std::vector<std::string> spellings = names;
  for (size_t i = 0; i < names.size(); ++i) {
    if (kept[i]) continue;
    do {
      spellings[i] += '_';
    } while (!taken.insert(spellings[i]).second);
  }
  return spellings;
}

FileNames::FileNames(const FileDescriptor& file, bool own_namespace) {
  absl::flat_hash_set<std::string> scope;
  if (!own_namespace) {
    scope = PackageScopeNames(file);
    if (file.package().empty()) Insert(kGlobalNamespaces, scope);
  }
  SpellServices(file, scope);
  for (int i = 0; i < file.service_count(); ++i) SpellMethods(*file.service(i));
  SpellMethodConstants(file, std::move(scope));
}

void FileNames::SpellServices(const FileDescriptor& file,
                              absl::flat_hash_set<std::string> reserved) {
  // A class cannot declare a member named like itself, so the names the generator
  // declares inside the service class are reserved for the class too.
  Insert(kServiceClassMembers, reserved);
  std::vector<std::string> names;
  for (int i = 0; i < file.service_count(); ++i) names.push_back(file.service(i)->name());
  std::vector<std::string> spellings = SpellInScope(names, reserved);
  for (int i = 0; i < file.service_count(); ++i) {
    service_classes_[file.service(i)] = std::move(spellings[i]);
  }
}

void FileNames::SpellMethods(const ServiceDescriptor& service) {
  std::vector<std::string> names;
  for (int i = 0; i < service.method_count(); ++i) names.push_back(service.method(i)->name());
  absl::flat_hash_set<std::string> stub_reserved;
  Insert(kStubMembers, stub_reserved);
  absl::flat_hash_set<std::string> service_reserved;
  Insert(kServiceMembers, service_reserved);
  std::vector<std::string> stub = SpellInScope(names, stub_reserved);
  std::vector<std::string> server = SpellInScope(names, service_reserved);
  for (int i = 0; i < service.method_count(); ++i) {
    stub_methods_[service.method(i)] = std::move(stub[i]);
    service_methods_[service.method(i)] = std::move(server[i]);
  }
}

// The constants sit in an unnamed namespace beside the service classes and are named
// from inside their member functions, so they must differ from one another and from
// every name those functions could find first: class members, the service classes and
// the package's own names.
void FileNames::SpellMethodConstants(const FileDescriptor& file,
                                     absl::flat_hash_set<std::string> reserved) {
  Insert(kServiceClassMembers, reserved);
  Insert(kStubMembers, reserved);
  Insert(kServiceMembers, reserved);
  std::vector<const MethodDescriptor*> methods;
  std::vector<std::string> names;
  for (int i = 0; i < file.service_count(); ++i) {
    const ServiceDescriptor& service = *file.service(i);
    reserved.insert(service_classes_.at(&service));
    for (int j = 0; j < service.method_count(); ++j) {
      const MethodDescriptor* method = service.method(j);
      reserved.insert(stub_methods_.at(method));
      reserved.insert(service_methods_.at(method));
      methods.push_back(method);
      names.push_back(absl::StrCat("k", UpperCamel(service.name()), UpperCamel(method->name())));
    }
  }
  std::vector<std::string> spellings = SpellInScope(names, reserved);
  for (size_t i = 0; i < methods.size(); ++i) {
    method_constants_[methods[i]] = std::move(spellings[i]);
  }
}

const std::string& FileNames::ServiceClass(const ServiceDescriptor& service) const {
  return service_classes_.at(&service);
}

const std::string& FileNames::StubMethod(const MethodDescriptor& method) const {
  return stub_methods_.at(&method);
}

const std::string& FileNames::ServiceMethod(const MethodDescriptor& method) const {
  return service_methods_.at(&method);
}

const std::string& FileNames::MethodConstant(const MethodDescriptor& method) const {
  return method_constants_.at(&method);
}

}  // namespace forkrpc::plugin
