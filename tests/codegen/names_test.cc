#include "codegen/names.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/compiler/parser.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"

namespace forkrpc::plugin {
namespace {

using google::protobuf::FileDescriptor;
using testing::ElementsAre;

// Builds .proto files from their text into one pool, as protoc would.
class NamesTest : public testing::Test {
 protected:
  NamesTest() {
    google::protobuf::FileDescriptorProto empty;
    google::protobuf::Empty::descriptor()->file()->CopyTo(&empty);
    pool_.BuildFile(empty);
  }

  const FileDescriptor& Build(const std::string& name, const std::string& text) {
    google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    google::protobuf::io::Tokenizer tokenizer(&input, nullptr);
    google::protobuf::FileDescriptorProto proto;
    google::protobuf::compiler::Parser parser;
    EXPECT_TRUE(parser.Parse(&tokenizer, &proto)) << text;
    proto.set_name(name);
    const FileDescriptor* file = pool_.BuildFile(proto);
    EXPECT_NE(file, nullptr) << text;
    return *file;
  }

  std::string ServiceClass(const FileNames& names, const FileDescriptor& file,
                           const std::string& service) {
    return names.ServiceClass(*file.FindServiceByName(service));
  }

  google::protobuf::DescriptorPool pool_;
};

TEST(IsCppKeywordTest, KnowsKeywordsAlternativeTokensAndStandardMacros) {
  for (const char* word : {"delete", "class", "co_await", "requires", "char8_t", "and_eq", "xor",
                           "NULL", "errno", "assert"}) {
    EXPECT_TRUE(IsCppKeyword(word)) << word;
  }
}

TEST(IsCppKeywordTest, LeavesOrdinaryNamesAndContextualKeywordsAlone) {
  // final, override, import and module mean something only in certain places.
  for (const char* word :
       {"Delete", "delete_", "service", "final", "override", "import", "module", "Stub", ""}) {
    EXPECT_FALSE(IsCppKeyword(word)) << word;
  }
}

TEST(SpellInScopeTest, KeepsNamesThatClashWithNothing) {
  EXPECT_THAT(SpellInScope({"Add", "Range", "Echo"}, {"Stub"}),
              ElementsAre("Add", "Range", "Echo"));
}

TEST(SpellInScopeTest, AppendsAnUnderscoreToKeywordsAndReservedNames) {
  EXPECT_THAT(SpellInScope({"new", "Stub", "channel_"}, {"Stub", "channel_"}),
              ElementsAre("new_", "Stub_", "channel__"));
}

TEST(SpellInScopeTest, NeverEscapesIntoANameAlreadyInTheScope) {
  // delete_ is the proto's own name, so delete must go further; the order of the proto
  // does not matter.
  EXPECT_THAT(SpellInScope({"delete", "delete_"}, {}), ElementsAre("delete__", "delete_"));
  EXPECT_THAT(SpellInScope({"delete_", "delete"}, {}), ElementsAre("delete_", "delete__"));
  EXPECT_THAT(SpellInScope({"Stub", "Stub_"}, {"Stub", "Stub__"}), ElementsAre("Stub___", "Stub_"));
}

TEST(SpellInScopeTest, EscapesTheLaterOfTwoEqualNames) {
  EXPECT_THAT(SpellInScope({"kABC", "kABC", "kABC_"}, {}), ElementsAre("kABC", "kABC__", "kABC_"));
}

TEST(PackageNamespaceTest, JoinsComponentsWithColonsAsTheirPbHDoes) {
  EXPECT_EQ(PackageNamespace("a.b.c"), "a::b::c");
  EXPECT_EQ(PackageNamespace("demo"), "demo");
  EXPECT_EQ(PackageNamespace(""), "");
  // protobuf 3.21 keeps a keyword component as written, and the types must match.
  EXPECT_EQ(PackageNamespace("demo.delete"), "demo::delete");
}

TEST_F(NamesTest, QualifiedMessageNamesAreThoseOfThePbH) {
  const FileDescriptor& file = Build("m.proto", R"pb(
    syntax = "proto3"
    ;
    package a.b;
    message Outer { message Inner {} }
    message class {}
  )pb");
  EXPECT_EQ(QualifiedMessageName(*file.FindMessageTypeByName("Outer")), "::a::b::Outer");
  EXPECT_EQ(QualifiedMessageName(*file.FindMessageTypeByName("Outer")->nested_type(0)),
            "::a::b::Outer_Inner");
  EXPECT_EQ(QualifiedMessageName(*file.FindMessageTypeByName("class")), "::a::b::class_");
  EXPECT_EQ(QualifiedMessageName(*google::protobuf::Empty::descriptor()),
            "::google::protobuf::Empty");
}

TEST_F(NamesTest, ServiceClassesAvoidKeywordsAndTheNamesTheyDeclare) {
  const FileDescriptor& file = Build("s.proto", R"pb(
    syntax = "proto3"
    ;
    package p;
    service Calc {}
    service delete {}
    service Stub {}
    service Service {}
    service NewStub {}
    service service_full_name {}
  )pb");
  FileNames names(file, /*own_namespace=*/false);
  EXPECT_EQ(ServiceClass(names, file, "Calc"), "Calc");
  EXPECT_EQ(ServiceClass(names, file, "delete"), "delete_");
  EXPECT_EQ(ServiceClass(names, file, "Stub"), "Stub_");
  EXPECT_EQ(ServiceClass(names, file, "Service"), "Service_");
  EXPECT_EQ(ServiceClass(names, file, "NewStub"), "NewStub_");
  EXPECT_EQ(ServiceClass(names, file, "service_full_name"), "service_full_name_");
}

TEST_F(NamesTest, ServiceClassesAvoidThePackagesOtherNamesInEveryFile) {
  Build("other.proto", R"pb(
    syntax = "proto3"
    ;
    package p;
    message NewStub_ {}
    enum Color { Stub_ = 0; }
  )pb");
  const FileDescriptor& file = Build("s.proto", R"pb(
    syntax = "proto3"
    ;
    package p;
    import "other.proto";
    service NewStub {}
    service Stub {}
  )pb");
  FileNames names(file, /*own_namespace=*/false);
  EXPECT_EQ(ServiceClass(names, file, "NewStub"), "NewStub__");
  EXPECT_EQ(ServiceClass(names, file, "Stub"), "Stub__");
  // In a namespace of their own the package's names are no neighbours.
  FileNames own(file, /*own_namespace=*/true);
  EXPECT_EQ(ServiceClass(own, file, "NewStub"), "NewStub_");
}

TEST_F(NamesTest, GlobalServiceClassesAvoidTheNamespacesGeneratedCodeUses) {
  const FileDescriptor& file = Build("g.proto", R"pb(
    syntax = "proto3"
    ;
    import "google/protobuf/empty.proto";
    service forkrpc {}
    service absl {}
    service std {}
    service Plain {}
  )pb");
  FileNames names(file, /*own_namespace=*/false);
  EXPECT_EQ(ServiceClass(names, file, "forkrpc"), "forkrpc_");
  EXPECT_EQ(ServiceClass(names, file, "absl"), "absl_");
  EXPECT_EQ(ServiceClass(names, file, "std"), "std_");
  EXPECT_EQ(ServiceClass(names, file, "Plain"), "Plain");
}

TEST_F(NamesTest, MethodsAreEscapedForTheClassTheyAreIn) {
  const FileDescriptor& file = Build("m.proto", R"pb(
    syntax = "proto3"
    ;
    package p;
    import "google/protobuf/empty.proto";
    service S {
      rpc Stub(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc channel_(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc Service(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc service_name(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc method_handlers(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc AddMethod(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc new(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc S(google.protobuf.Empty) returns (google.protobuf.Empty);
    }
  )pb");
  FileNames names(file, /*own_namespace=*/false);
  std::vector<std::string> stub;
  std::vector<std::string> service;
  for (int i = 0; i < file.service(0)->method_count(); ++i) {
    stub.push_back(names.StubMethod(*file.service(0)->method(i)));
    service.push_back(names.ServiceMethod(*file.service(0)->method(i)));
  }
  EXPECT_THAT(stub, ElementsAre("Stub_", "channel__", "Service", "service_name", "method_handlers",
                                "AddMethod", "new_", "S"));
  EXPECT_THAT(service, ElementsAre("Stub", "channel_", "Service_", "service_name_",
                                   "method_handlers_", "AddMethod_", "new_", "S"));
}

TEST_F(NamesTest, MethodConstantsDifferAcrossServicesAndFromMethodNames) {
  const FileDescriptor& file = Build("c.proto", R"pb(
    syntax = "proto3"
    ;
    package p;
    import "google/protobuf/empty.proto";
    service A_B { rpc C(google.protobuf.Empty) returns (google.protobuf.Empty); }
    service A { rpc B_C(google.protobuf.Empty) returns (google.protobuf.Empty); }
    service Calc {
      rpc get_value(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc kCalcAdd(google.protobuf.Empty) returns (google.protobuf.Empty);
      rpc Add(google.protobuf.Empty) returns (google.protobuf.Empty);
    }
  )pb");
  FileNames names(file, /*own_namespace=*/false);
  const auto constant = [&](int service, int method) {
    return names.MethodConstant(*file.service(service)->method(method));
  };
  EXPECT_EQ(constant(0, 0), "kABC");
  EXPECT_EQ(constant(1, 0), "kABC_");
  EXPECT_EQ(constant(2, 0), "kCalcGetValue");
  EXPECT_EQ(constant(2, 1), "kCalcKCalcAdd");
  // A method named kCalcAdd would find itself before the constant in the member
  // functions that use the constant.
  EXPECT_EQ(constant(2, 2), "kCalcAdd_");
}

}  // namespace
}  // namespace forkrpc::plugin
