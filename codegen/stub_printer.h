// stub_printer.h: the client side of a service, `Calc::Stub`: its class in the header, and
// in the source NewStub, its constructor and one definition per method, each a single
// call into forkrpc/codegen.h. A unary method gets three overloads (with a context, the
// context-free StatusOr form, and the async form); a streaming method one, returning
// its stream.
#ifndef FORKRPC_CODEGEN_STUB_PRINTER_H_
#define FORKRPC_CODEGEN_STUB_PRINTER_H_

#include "codegen/names.h"
#include "codegen/vars.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace forkrpc::plugin {

// `class Calc::Stub final { ... };` for the header. `service_vars` from ServiceVars.
void PrintStubDeclaration(const google::protobuf::ServiceDescriptor& service,
                          const FileNames& names, const Vars& service_vars,
                          google::protobuf::io::Printer& printer);

// NewStub, the Stub's constructor and its methods, for the source file.
void PrintStubDefinitions(const google::protobuf::ServiceDescriptor& service,
                          const FileNames& names, const Vars& service_vars,
                          google::protobuf::io::Printer& printer);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_STUB_PRINTER_H_
