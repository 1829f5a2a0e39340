#include "codegen/stub_printer.h"

#include "codegen/comments.h"
#include "codegen/method_kind.h"
#include "codegen/template.h"

namespace forkrpc::plugin {
namespace {

using google::protobuf::ServiceDescriptor;
using google::protobuf::io::Printer;

// --- header -------------------------------------------------------------------------

constexpr char kStubClassOpening[] = R"tmpl(

// Calls $service_full_name$ over a channel, one call per method.
// Thread-safe, as channels are.
class $service$::Stub final {
 public:
  explicit Stub(::std::shared_ptr<::forkrpc::Channel> channel);
)tmpl";

void PrintStubClassOpening(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubClassOpening, printer);
}

constexpr char kStubUnaryDeclarations[] = R"tmpl(
::absl::Status $stub_method$(::forkrpc::ClientContext& context, const $request$& request,
                             $response$* response);
::absl::StatusOr<$response$> $stub_method$(const $request$& request);
void $stub_method$(::forkrpc::ClientContext& context, const $request$& request,
                   $response$* response, ::absl::AnyInvocable<void(::absl::Status)> done);
)tmpl";

void PrintStubUnaryDeclarations(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubUnaryDeclarations, printer);
}

constexpr char kStubServerStreamingDeclaration[] = R"tmpl(
::std::unique_ptr<::forkrpc::ClientReader<$response$>> $stub_method$(
    ::forkrpc::ClientContext& context, const $request$& request);
)tmpl";

void PrintStubServerStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubServerStreamingDeclaration, printer);
}

constexpr char kStubClientStreamingDeclaration[] = R"tmpl(
::std::unique_ptr<::forkrpc::ClientWriter<$request$>> $stub_method$(
    ::forkrpc::ClientContext& context, $response$* response);
)tmpl";

void PrintStubClientStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubClientStreamingDeclaration, printer);
}

constexpr char kStubBidiStreamingDeclaration[] = R"tmpl(
::std::unique_ptr<::forkrpc::ClientReaderWriter<$request$, $response$>> $stub_method$(
    ::forkrpc::ClientContext& context);
)tmpl";

void PrintStubBidiStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubBidiStreamingDeclaration, printer);
}

constexpr char kStubClassClosing[] = R"tmpl(

 private:
  ::std::shared_ptr<::forkrpc::Channel> channel_;
};
)tmpl";

void PrintStubClassClosing(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubClassClosing, printer);
}

// --- source -------------------------------------------------------------------------

constexpr char kNewStubDefinition[] = R"tmpl(

::std::unique_ptr<$service$::Stub> $service$::NewStub(
    ::std::shared_ptr<::forkrpc::Channel> channel) {
  return ::std::make_unique<$service$::Stub>(::std::move(channel));
}
)tmpl";

void PrintNewStubDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kNewStubDefinition, printer);
}

constexpr char kStubConstructorDefinition[] = R"tmpl(

$service$::Stub::Stub(::std::shared_ptr<::forkrpc::Channel> channel)
    : channel_(::std::move(channel)) {}
)tmpl";

void PrintStubConstructorDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubConstructorDefinition, printer);
}

constexpr char kStubUnaryDefinitions[] = R"tmpl(

::absl::Status $service$::Stub::$stub_method$(::forkrpc::ClientContext& context,
                                              const $request$& request, $response$* response) {
  return ::forkrpc::codegen::BlockingUnaryCall(*channel_, $method_constant$, context, request,
                                               response);
}

::absl::StatusOr<$response$> $service$::Stub::$stub_method$(const $request$& request) {
  return ::forkrpc::codegen::UnaryCall<$response$>(*channel_, $method_constant$, request);
}

void $service$::Stub::$stub_method$(::forkrpc::ClientContext& context, const $request$& request,
                                    $response$* response,
                                    ::absl::AnyInvocable<void(::absl::Status)> done) {
  ::forkrpc::codegen::AsyncUnaryCall(*channel_, $method_constant$, context, request, response,
                                     ::std::move(done));
}
)tmpl";

void PrintStubUnaryDefinitions(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubUnaryDefinitions, printer);
}

constexpr char kStubServerStreamingDefinition[] = R"tmpl(

::std::unique_ptr<::forkrpc::ClientReader<$response$>> $service$::Stub::$stub_method$(
    ::forkrpc::ClientContext& context, const $request$& request) {
  return ::forkrpc::codegen::ServerStreamingCall<$response$>(*channel_, $method_constant$,
                                                             context, request);
}
)tmpl";

void PrintStubServerStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubServerStreamingDefinition, printer);
}

constexpr char kStubClientStreamingDefinition[] = R"tmpl(

::std::unique_ptr<::forkrpc::ClientWriter<$request$>> $service$::Stub::$stub_method$(
    ::forkrpc::ClientContext& context, $response$* response) {
  return ::forkrpc::codegen::ClientStreamingCall<$request$>(*channel_, $method_constant$, context,
                                                            response);
}
)tmpl";

void PrintStubClientStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubClientStreamingDefinition, printer);
}

constexpr char kStubBidiStreamingDefinition[] = R"tmpl(

::std::unique_ptr<::forkrpc::ClientReaderWriter<$request$, $response$>>
$service$::Stub::$stub_method$(::forkrpc::ClientContext& context) {
  return ::forkrpc::codegen::BidiStreamingCall<$request$, $response$>(*channel_,
                                                                      $method_constant$, context);
}
)tmpl";

void PrintStubBidiStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kStubBidiStreamingDefinition, printer);
}

}  // namespace

void PrintStubDeclaration(const ServiceDescriptor& service, const FileNames& names,
                          const Vars& service_vars, Printer& printer) {
  PrintStubClassOpening(service_vars, printer);
  printer.Indent();
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    Vars vars = MethodVars(method, names, service_vars);
    printer.Print("\n");
    PrintLeadingComments(method, printer);
    switch (MethodKindOf(method)) {
      case MethodKind::kUnary:
        PrintStubUnaryDeclarations(vars, printer);
        break;
      case MethodKind::kServerStreaming:
        PrintStubServerStreamingDeclaration(vars, printer);
        break;
      case MethodKind::kClientStreaming:
        PrintStubClientStreamingDeclaration(vars, printer);
        break;
      case MethodKind::kBidiStreaming:
        PrintStubBidiStreamingDeclaration(vars, printer);
        break;
    }
  }
  printer.Outdent();
  PrintStubClassClosing(service_vars, printer);
}

void PrintStubDefinitions(const ServiceDescriptor& service, const FileNames& names,
                          const Vars& service_vars, Printer& printer) {
  PrintNewStubDefinition(service_vars, printer);
  PrintStubConstructorDefinition(service_vars, printer);
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    Vars vars = MethodVars(method, names, service_vars);
    switch (MethodKindOf(method)) {
      case MethodKind::kUnary:
        PrintStubUnaryDefinitions(vars, printer);
        break;
      case MethodKind::kServerStreaming:
        PrintStubServerStreamingDefinition(vars, printer);
        break;
      case MethodKind::kClientStreaming:
        PrintStubClientStreamingDefinition(vars, printer);
        break;
      case MethodKind::kBidiStreaming:
        PrintStubBidiStreamingDefinition(vars, printer);
        break;
    }
  }
}

}  // namespace forkrpc::plugin
