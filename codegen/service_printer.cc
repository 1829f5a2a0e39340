#include "codegen/service_printer.h"

#include "codegen/comments.h"
#include "codegen/method_kind.h"
#include "codegen/template.h"

namespace forkrpc::plugin {
namespace {

using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::io::Printer;

// --- header -------------------------------------------------------------------------

constexpr char kServiceClassOpening[] = R"tmpl(

// Serves $service_full_name$.
// Derive, override the methods you implement and register with a ::forkrpc::Server;
// a method not overridden answers UNIMPLEMENTED. Methods run on the server's handler
// threads, several at once.
class $service$::Service : public ::forkrpc::Service {
 public:
  Service();
  ~Service() override;
)tmpl";

void PrintServiceClassOpening(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceClassOpening, printer);
}

constexpr char kServiceUnaryDeclaration[] = R"tmpl(
virtual ::absl::Status $service_method$(::forkrpc::ServerContext& context,
                                        const $request$& request, $response$* response);
)tmpl";

void PrintServiceUnaryDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceUnaryDeclaration, printer);
}

constexpr char kServiceServerStreamingDeclaration[] = R"tmpl(
virtual ::absl::Status $service_method$(::forkrpc::ServerContext& context,
                                        const $request$& request,
                                        ::forkrpc::ServerWriter<$response$>& writer);
)tmpl";

void PrintServiceServerStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceServerStreamingDeclaration, printer);
}

constexpr char kServiceClientStreamingDeclaration[] = R"tmpl(
virtual ::absl::Status $service_method$(::forkrpc::ServerContext& context,
                                        ::forkrpc::ServerReader<$request$>& reader,
                                        $response$* response);
)tmpl";

void PrintServiceClientStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceClientStreamingDeclaration, printer);
}

constexpr char kServiceBidiStreamingDeclaration[] = R"tmpl(
virtual ::absl::Status $service_method$(
    ::forkrpc::ServerContext& context,
    ::forkrpc::ServerReaderWriter<$response$, $request$>& stream);
)tmpl";

void PrintServiceBidiStreamingDeclaration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceBidiStreamingDeclaration, printer);
}

constexpr char kServiceClassClosing[] = R"tmpl(
};
)tmpl";

void PrintServiceClassClosing(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceClassClosing, printer);
}

// --- source -------------------------------------------------------------------------

constexpr char kServiceConstructorOpening[] = R"tmpl(

$service$::Service::Service() : ::forkrpc::Service("$service_full_name$") {
)tmpl";

void PrintServiceConstructorOpening(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceConstructorOpening, printer);
}

constexpr char kMethodRegistration[] = R"tmpl(
::forkrpc::Service::AddMethod(
    ::std::make_unique<::forkrpc::codegen::$handler$<$service$::Service, $request$, $response$>>(
        $method_constant$, &$service$::Service::$service_method$));
)tmpl";

void PrintMethodRegistration(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kMethodRegistration, printer);
}

constexpr char kServiceConstructorClosing[] = R"tmpl(
}

$service$::Service::~Service() = default;
)tmpl";

void PrintServiceConstructorClosing(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceConstructorClosing, printer);
}

// A service without methods has nothing to register.
constexpr char kEmptyServiceConstructor[] = R"tmpl(

$service$::Service::Service() : ::forkrpc::Service("$service_full_name$") {}

$service$::Service::~Service() = default;
)tmpl";

void PrintEmptyServiceConstructor(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kEmptyServiceConstructor, printer);
}

constexpr char kServiceUnaryDefinition[] = R"tmpl(

::absl::Status $service$::Service::$service_method$(::forkrpc::ServerContext&, const $request$&,
                                                    $response$*) {
  return ::forkrpc::codegen::Unimplemented($method_constant$);
}
)tmpl";

void PrintServiceUnaryDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceUnaryDefinition, printer);
}

constexpr char kServiceServerStreamingDefinition[] = R"tmpl(

::absl::Status $service$::Service::$service_method$(::forkrpc::ServerContext&, const $request$&,
                                                    ::forkrpc::ServerWriter<$response$>&) {
  return ::forkrpc::codegen::Unimplemented($method_constant$);
}
)tmpl";

void PrintServiceServerStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceServerStreamingDefinition, printer);
}

constexpr char kServiceClientStreamingDefinition[] = R"tmpl(

::absl::Status $service$::Service::$service_method$(::forkrpc::ServerContext&,
                                                    ::forkrpc::ServerReader<$request$>&,
                                                    $response$*) {
  return ::forkrpc::codegen::Unimplemented($method_constant$);
}
)tmpl";

void PrintServiceClientStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceClientStreamingDefinition, printer);
}

constexpr char kServiceBidiStreamingDefinition[] = R"tmpl(

::absl::Status $service$::Service::$service_method$(
    ::forkrpc::ServerContext&, ::forkrpc::ServerReaderWriter<$response$, $request$>&) {
  return ::forkrpc::codegen::Unimplemented($method_constant$);
}
)tmpl";

void PrintServiceBidiStreamingDefinition(const Vars& vars, Printer& printer) {
  PrintTemplate(vars, kServiceBidiStreamingDefinition, printer);
}

void PrintServiceConstructor(const ServiceDescriptor& service, const FileNames& names,
                             const Vars& service_vars, Printer& printer) {
  if (service.method_count() == 0) {
    PrintEmptyServiceConstructor(service_vars, printer);
    return;
  }
  PrintServiceConstructorOpening(service_vars, printer);
  printer.Indent();
  for (int i = 0; i < service.method_count(); ++i) {
    PrintMethodRegistration(MethodVars(*service.method(i), names, service_vars), printer);
  }
  printer.Outdent();
  PrintServiceConstructorClosing(service_vars, printer);
}

}  // namespace

void PrintServiceDeclaration(const ServiceDescriptor& service, const FileNames& names,
                             const Vars& service_vars, Printer& printer) {
  PrintServiceClassOpening(service_vars, printer);
  printer.Indent();
  for (int i = 0; i < service.method_count(); ++i) {
    const MethodDescriptor& method = *service.method(i);
    Vars vars = MethodVars(method, names, service_vars);
    printer.Print("\n");
    PrintLeadingComments(method, printer);
    switch (MethodKindOf(method)) {
      case MethodKind::kUnary:
        PrintServiceUnaryDeclaration(vars, printer);
        break;
      case MethodKind::kServerStreaming:
        PrintServiceServerStreamingDeclaration(vars, printer);
        break;
      case MethodKind::kClientStreaming:
        PrintServiceClientStreamingDeclaration(vars, printer);
        break;
      case MethodKind::kBidiStreaming:
        PrintServiceBidiStreamingDeclaration(vars, printer);
        break;
    }
  }
  printer.Outdent();
  PrintServiceClassClosing(service_vars, printer);
}

void PrintServiceDefinitions(const ServiceDescriptor& service, const FileNames& names,
                             const Vars& service_vars, Printer& printer) {
  PrintServiceConstructor(service, names, service_vars, printer);
  for (int i = 0; i < service.method_count(); ++i) {
    const MethodDescriptor& method = *service.method(i);
    Vars vars = MethodVars(method, names, service_vars);
    switch (MethodKindOf(method)) {
      case MethodKind::kUnary:
        PrintServiceUnaryDefinition(vars, printer);
        break;
      case MethodKind::kServerStreaming:
        PrintServiceServerStreamingDefinition(vars, printer);
        break;
      case MethodKind::kClientStreaming:
        PrintServiceClientStreamingDefinition(vars, printer);
        break;
      case MethodKind::kBidiStreaming:
        PrintServiceBidiStreamingDefinition(vars, printer);
        break;
    }
  }
}

}  // namespace forkrpc::plugin
