// service_printer.h: the server side of a service, `Calc::Service`: its class in the
// header, one virtual method per RPC; in the source its constructor, which registers one
// handler per method under the service's full name, and the methods' defaults, which
// answer UNIMPLEMENTED naming the method until a derived class overrides them.
#ifndef FORKRPC_CODEGEN_SERVICE_PRINTER_H_
#define FORKRPC_CODEGEN_SERVICE_PRINTER_H_

#include "codegen/names.h"
#include "codegen/vars.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace forkrpc::plugin {

// `class Calc::Service : public ::forkrpc::Service { ... };` for the header.
// `service_vars` from ServiceVars.
void PrintServiceDeclaration(const google::protobuf::ServiceDescriptor& service,
                             const FileNames& names, const Vars& service_vars,
                             google::protobuf::io::Printer& printer);

// The Service's constructor, destructor and default methods, for the source file.
void PrintServiceDefinitions(const google::protobuf::ServiceDescriptor& service,
                             const FileNames& names, const Vars& service_vars,
                             google::protobuf::io::Printer& printer);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_SERVICE_PRINTER_H_
