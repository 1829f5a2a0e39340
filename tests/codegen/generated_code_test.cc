// What the plugin writes for calc.proto and the hard cases of tests/protos/codegen/,
// compiled (with -Werror) and run without the runtime library: stubs over a channel that
// records each call, services whose handlers are run directly. Linking this test is the
// proof that every generated file compiles; the tests say it does what it should.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "calc.forkrpc.h"
#include "codegen/a/b/c/nested.forkrpc.h"
#include "codegen/common/messages.forkrpc.h"
#include "codegen/keywords.forkrpc.h"
#include "codegen/no_package.forkrpc.h"
#include "codegen/services_namespace.forkrpc.h"
#include "forkrpc/internal/server_context_access.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service_registration.h"

namespace {

using forkrpc::RpcKind;
using google::protobuf::DescriptorPool;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Pair;

// A client stream that ended before it began.
class EndedStream final : public forkrpc::GenericClientStream {
 public:
  bool Read(google::protobuf::MessageLite*, std::vector<forkrpc::UniqueFd>*) override {
    return false;
  }
  bool Write(const google::protobuf::MessageLite&, std::vector<forkrpc::UniqueFd>, bool) override {
    return false;
  }
  bool WritesDone() override { return false; }
  absl::Status Finish() override { return absl::UnavailableError("ended"); }
};

// Records the method of every call; answers unary calls with `reply` and `status`.
class RecordingChannel final : public forkrpc::Channel {
 public:
  absl::Status Call(const forkrpc::RpcMethod& method, forkrpc::ClientContext&,
                    const google::protobuf::MessageLite& request,
                    google::protobuf::MessageLite* response) override {
    calls.emplace_back(method.full_name, method.kind);
    last_request = request.SerializeAsString();
    if (status.ok()) response->ParseFromString(reply);
    return status;
  }
  void CallAsync(const forkrpc::RpcMethod& method, forkrpc::ClientContext& context,
                 const google::protobuf::MessageLite& request,
                 google::protobuf::MessageLite* response,
                 absl::AnyInvocable<void(absl::Status)> done) override {
    done(Call(method, context, request, response));
  }
  std::unique_ptr<forkrpc::GenericClientStream> StartStream(
      const forkrpc::RpcMethod& method, forkrpc::ClientContext&,
      const google::protobuf::MessageLite*, google::protobuf::MessageLite*) override {
    calls.emplace_back(method.full_name, method.kind);
    return std::make_unique<EndedStream>();
  }
  void Close() override {}
  const forkrpc::ChannelOptions& options() const override { return options_; }

  std::vector<std::pair<std::string, RpcKind>> calls;
  std::string last_request;
  std::string reply;
  absl::Status status;

 private:
  forkrpc::ChannelOptions options_;
};

// A server-side stream no handler in these tests reads or writes.
class UnusedServerStream final : public forkrpc::GenericServerStream {
 public:
  bool Read(google::protobuf::MessageLite*, std::vector<forkrpc::UniqueFd>*) override {
    return false;
  }
  bool Write(const google::protobuf::MessageLite&, std::vector<forkrpc::UniqueFd>) override {
    return false;
  }
};

const google::protobuf::ServiceDescriptor& DescriptorOf(const char* full_name) {
  const google::protobuf::ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(full_name);
  EXPECT_NE(service, nullptr) << full_name;
  return *service;
}

// Runs the unary handler `index` of `service` on `request` as a server would.
absl::Status RunUnary(forkrpc::Service& service, size_t index,
                      const google::protobuf::MessageLite& request,
                      google::protobuf::MessageLite* response) {
  const forkrpc::MethodHandler& handler = *service.method_handlers()[index];
  std::unique_ptr<forkrpc::ServerContext> context = forkrpc::internal::ServerContextAccess::Make(
      handler.method().full_name, absl::InfiniteFuture(), {}, {}, {});
  UnusedServerStream stream;
  return handler.Run(service, *context, stream, &request, response);
}

class CalcStubTest : public testing::Test {
 protected:
  std::shared_ptr<RecordingChannel> channel_ = std::make_shared<RecordingChannel>();
  demo::Calc::Stub stub_{channel_};
};

TEST_F(CalcStubTest, UnaryCallSendsTheRequestAndFillsTheResponse) {
  demo::AddReply canned;
  canned.set_sum(5);
  channel_->reply = canned.SerializeAsString();
  demo::AddRequest request;
  request.set_a(2);
  request.set_b(3);
  forkrpc::ClientContext context;
  demo::AddReply reply;

  EXPECT_TRUE(stub_.Add(context, request, &reply).ok());

  EXPECT_THAT(channel_->calls, ElementsAre(Pair("/demo.Calc/Add", RpcKind::kUnary)));
  EXPECT_EQ(channel_->last_request, request.SerializeAsString());
  EXPECT_EQ(reply.sum(), 5);
}

TEST_F(CalcStubTest, ContextFreeUnaryCallReturnsTheResponseOrTheStatus) {
  demo::AddReply canned;
  canned.set_sum(7);
  channel_->reply = canned.SerializeAsString();
  absl::StatusOr<demo::AddReply> reply = stub_.Add(demo::AddRequest());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->sum(), 7);

  channel_->status = absl::UnavailableError("helper gone");
  EXPECT_EQ(stub_.Add(demo::AddRequest()).status(), channel_->status);
}

TEST_F(CalcStubTest, AsyncUnaryCallRunsDoneWithTheStatus) {
  channel_->status = absl::DeadlineExceededError("too slow");
  forkrpc::ClientContext context;
  demo::AddReply reply;
  absl::Status seen;
  stub_.Add(context, demo::AddRequest(), &reply, [&](absl::Status status) { seen = status; });
  EXPECT_EQ(seen, channel_->status);
  EXPECT_THAT(channel_->calls, ElementsAre(Pair("/demo.Calc/Add", RpcKind::kUnary)));
}

TEST_F(CalcStubTest, StreamingCallsStartStreamsOfTheirKind) {
  forkrpc::ClientContext range_context;
  forkrpc::ClientContext sum_context;
  forkrpc::ClientContext chat_context;
  demo::Number total;
  std::unique_ptr<forkrpc::ClientReader<demo::Number>> range =
      stub_.Range(range_context, demo::RangeRequest());
  std::unique_ptr<forkrpc::ClientWriter<demo::Number>> sum = stub_.Sum(sum_context, &total);
  std::unique_ptr<forkrpc::ClientReaderWriter<demo::ChatMessage, demo::ChatMessage>> chat =
      stub_.Chat(chat_context);
  EXPECT_THAT(channel_->calls, ElementsAre(Pair("/demo.Calc/Range", RpcKind::kServerStreaming),
                                           Pair("/demo.Calc/Sum", RpcKind::kClientStreaming),
                                           Pair("/demo.Calc/Chat", RpcKind::kBidiStreaming)));
}

TEST(CalcTest, NewStubMakesAStubOnTheChannel) {
  auto channel = std::make_shared<RecordingChannel>();
  std::unique_ptr<demo::Calc::Stub> stub = demo::Calc::NewStub(channel);
  forkrpc::ClientContext context;
  demo::Number total;
  stub->Sum(context, &total);
  EXPECT_THAT(channel->calls, ElementsAre(Pair("/demo.Calc/Sum", RpcKind::kClientStreaming)));
  EXPECT_STREQ(demo::Calc::service_full_name(), "demo.Calc");
}

TEST(CalcServiceTest, RegistersEveryMethod) {
  demo::Calc::Service service;
  forkrpc::codegen_test::ExpectRegistersEveryMethod(service, DescriptorOf("demo.Calc"));
}

TEST(CalcServiceTest, MethodNotOverriddenAnswersUnimplementedNamingIt) {
  demo::Calc::Service service;
  demo::AddReply reply;
  absl::Status status = RunUnary(service, 0, demo::AddRequest(), &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(status.message(), HasSubstr("/demo.Calc/Add"));
}

TEST(CalcServiceTest, HandlersRunTheOverridingMethod) {
  class Adder final : public demo::Calc::Service {
   public:
    absl::Status Add(forkrpc::ServerContext&, const demo::AddRequest& request,
                     demo::AddReply* reply) override {
      reply->set_sum(request.a() + request.b());
      return absl::OkStatus();
    }
  };
  Adder adder;
  demo::AddRequest request;
  request.set_a(40);
  request.set_b(2);
  demo::AddReply reply;
  EXPECT_TRUE(RunUnary(adder, 0, request, &reply).ok());
  EXPECT_EQ(reply.sum(), 42);
}

// --- keywords.proto: escaped names, proto spellings on the wire ------------------------

namespace kw = keywords::forkrpc::absl::google;

TEST(KeywordsTest, EscapedStubMethodsCallTheProtoSpelling) {
  auto channel = std::make_shared<RecordingChannel>();
  forkrpc::ClientContext contexts[11];
  kw::class_ message;
  kw::delete_::Stub del(channel);
  EXPECT_TRUE(del.new_(contexts[0], message, &message).ok());
  EXPECT_TRUE(del.delete__(contexts[1], message, &message).ok());
  del.delete_(contexts[2]);
  kw::Stub__::Stub stub(channel);
  EXPECT_TRUE(stub.Stub_(contexts[3], message, &message).ok());
  stub.channel__(contexts[4], &message);
  stub.Service(contexts[5], message);
  EXPECT_TRUE(stub.kDeleteNew(contexts[6], message, &message).ok());
  EXPECT_TRUE(stub.NULL_(contexts[7], message, &message).ok());
  EXPECT_TRUE(stub.errno_(contexts[8], message, &message).ok());
  EXPECT_TRUE(kw::A_B::Stub(channel).C(contexts[9], message, &message).ok());
  EXPECT_TRUE(kw::A::Stub(channel).B_C(contexts[10], message, &message).ok());
  EXPECT_THAT(
      channel->calls,
      ElementsAre(Pair("/keywords.forkrpc.absl.google.delete/new", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.delete/delete", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.delete/delete_", RpcKind::kBidiStreaming),
                  Pair("/keywords.forkrpc.absl.google.Stub/Stub", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.Stub/channel_", RpcKind::kClientStreaming),
                  Pair("/keywords.forkrpc.absl.google.Stub/Service", RpcKind::kServerStreaming),
                  Pair("/keywords.forkrpc.absl.google.Stub/kDeleteNew", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.Stub/NULL", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.Stub/errno", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.A_B/C", RpcKind::kUnary),
                  Pair("/keywords.forkrpc.absl.google.A/B_C", RpcKind::kUnary)));
}

// Overriding with `override` pins each escaped name and signature of the Service class.
class KeywordService final : public kw::Stub__::Service {
 public:
  absl::Status Stub(forkrpc::ServerContext&, const kw::class_&, kw::class_* reply) override {
    reply->set_int_(1);
    return absl::OkStatus();
  }
  absl::Status channel_(forkrpc::ServerContext&, forkrpc::ServerReader<kw::class_>&,
                        kw::class_*) override {
    return absl::OkStatus();
  }
  absl::Status Service_(forkrpc::ServerContext&, const kw::class_&,
                        forkrpc::ServerWriter<kw::class_>&) override {
    return absl::OkStatus();
  }
  absl::Status service_name_(forkrpc::ServerContext&, const kw::class_&,
                             kw::class_* reply) override {
    reply->set_int_(4);
    return absl::OkStatus();
  }
  absl::Status method_handlers_(forkrpc::ServerContext&,
                                forkrpc::ServerReaderWriter<kw::class_, kw::class_>&) override {
    return absl::OkStatus();
  }
  absl::Status AddMethod_(forkrpc::ServerContext&, const kw::class_&, kw::class_* reply) override {
    reply->set_int_(6);
    return absl::OkStatus();
  }
};

TEST(KeywordsTest, EscapedServiceMethodsServeTheProtoSpelling) {
  KeywordService service;
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      service, DescriptorOf("keywords.forkrpc.absl.google.Stub"));
  // The base class's own members keep working beside the escaped methods.
  EXPECT_EQ(service.service_name(), "keywords.forkrpc.absl.google.Stub");
  kw::class_ reply;
  ASSERT_TRUE(RunUnary(service, 0, kw::class_(), &reply).ok());
  EXPECT_EQ(reply.int_(), 1);
  ASSERT_TRUE(RunUnary(service, 3, kw::class_(), &reply).ok());
  EXPECT_EQ(reply.int_(), 4);
  ASSERT_TRUE(RunUnary(service, 5, kw::class_(), &reply).ok());
  EXPECT_EQ(reply.int_(), 6);
}

TEST(KeywordsTest, EscapedServiceClassesKeepTheProtoNames) {
  EXPECT_STREQ(kw::delete_::service_full_name(), "keywords.forkrpc.absl.google.delete");
  EXPECT_STREQ(kw::Stub__::service_full_name(), "keywords.forkrpc.absl.google.Stub");
  EXPECT_STREQ(kw::Stub_::service_full_name(), "keywords.forkrpc.absl.google.Stub_");
  EXPECT_STREQ(kw::Service_::service_full_name(), "keywords.forkrpc.absl.google.Service");
  EXPECT_STREQ(kw::NewStub__::service_full_name(), "keywords.forkrpc.absl.google.NewStub");
  EXPECT_STREQ(kw::service_full_name_::service_full_name(),
               "keywords.forkrpc.absl.google.service_full_name");
}

TEST(KeywordsTest, EveryServiceRegistersEveryMethod) {
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      kw::delete_::Service(), DescriptorOf("keywords.forkrpc.absl.google.delete"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      kw::Stub_::Service(), DescriptorOf("keywords.forkrpc.absl.google.Stub_"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      kw::Service_::Service(), DescriptorOf("keywords.forkrpc.absl.google.Service"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      kw::NewStub__::Service(), DescriptorOf("keywords.forkrpc.absl.google.NewStub"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(
      kw::A_B::Service(), DescriptorOf("keywords.forkrpc.absl.google.A_B"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(kw::A::Service(),
                                                    DescriptorOf("keywords.forkrpc.absl.google.A"));
}

// --- nested.proto: nested packages, types from elsewhere -------------------------------

TEST(NestedTest, StubMethodsTakeTheTypesTheProtoNames) {
  auto channel = std::make_shared<RecordingChannel>();
  a::b::c::Echo::Stub echo(channel);
  forkrpc::ClientContext context;
  static_assert(
      std::is_same_v<decltype(echo.Echo(a::b::c::Reply())), absl::StatusOr<a::b::c::Reply>>);
  static_assert(std::is_same_v<decltype(echo.Ping(google::protobuf::Empty())),
                               absl::StatusOr<google::protobuf::Empty>>);
  static_assert(std::is_same_v<decltype(echo.Lookup(codegen_test::common::Thing())),
                               absl::StatusOr<a::b::c::Reply>>);
  static_assert(
      std::is_same_v<decltype(echo.Parts(context, codegen_test::common::Thing())),
                     std::unique_ptr<forkrpc::ClientReader<codegen_test::common::Thing_Part>>>);
  google::protobuf::Empty empty;
  static_assert(
      std::is_same_v<decltype(echo.Upload(context, &empty)),
                     std::unique_ptr<forkrpc::ClientWriter<codegen_test::common::Thing_Part>>>);
  static_assert(
      std::is_same_v<decltype(echo.Relay(context)),
                     std::unique_ptr<forkrpc::ClientReaderWriter<codegen_test::common::Empty,
                                                                 google::protobuf::Empty>>>);
  EXPECT_TRUE(echo.Echo(a::b::c::Reply()).ok());
  EXPECT_THAT(channel->calls, ElementsAre(Pair("/a.b.c.Echo/Echo", RpcKind::kUnary)));
}

TEST(NestedTest, EveryServiceRegistersEveryMethod) {
  forkrpc::codegen_test::ExpectRegistersEveryMethod(a::b::c::Echo::Service(),
                                                    DescriptorOf("a.b.c.Echo"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(a::b::c::Second::Service(),
                                                    DescriptorOf("a.b.c.Second"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(a::b::c::Idle::Service(),
                                                    DescriptorOf("a.b.c.Idle"));
}

// --- no_package.proto and services_namespace.proto --------------------------------------

TEST(NoPackageTest, ServicesLiveInTheGlobalNamespace) {
  forkrpc::codegen_test::ExpectRegistersEveryMethod(::NoPackage::Service(),
                                                    DescriptorOf("NoPackage"));
  forkrpc::codegen_test::ExpectRegistersEveryMethod(::forkrpc_::Service(), DescriptorOf("forkrpc"));
  auto channel = std::make_shared<RecordingChannel>();
  ::forkrpc_::Stub(channel).Call(NoPackageRequest()).IgnoreError();
  EXPECT_THAT(channel->calls, ElementsAre(Pair("/forkrpc/Call", RpcKind::kUnary)));
}

TEST(ServicesNamespaceTest, ServicesLiveInTheNamespaceTheOptionNames) {
  forkrpc::codegen_test::ExpectRegistersEveryMethod(codegen_test::ns::rpc::Finder::Service(),
                                                    DescriptorOf("codegen_test.ns.Finder"));
  auto channel = std::make_shared<RecordingChannel>();
  codegen_test::ns::rpc::Finder::Stub(channel).Find(codegen_test::ns::Query()).IgnoreError();
  EXPECT_THAT(channel->calls, ElementsAre(Pair("/codegen_test.ns.Finder/Find", RpcKind::kUnary)));
}

}  // namespace
