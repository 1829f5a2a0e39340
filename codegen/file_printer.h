// file_printer.h: the two files written for each .proto, in the shape prologue, includes,
// services, epilogue. calc.proto gives calc.forkrpc.h, which includes only calc.pb.h and
// forkrpc/codegen.h and declares each service's class with its Stub and Service, and
// calc.forkrpc.cc, which defines them beside one RpcMethod constant per method. The
// service classes sit in the package's namespace (or the services_namespace option's
// inside it). A file without services still yields both files, near empty, because
// builds expect them.
#ifndef FORKRPC_CODEGEN_FILE_PRINTER_H_
#define FORKRPC_CODEGEN_FILE_PRINTER_H_

#include "codegen/names.h"
#include "codegen/vars.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace forkrpc::plugin {

// Writes <file>.forkrpc.h. `file_vars` from FileVars.
void PrintHeaderFile(const google::protobuf::FileDescriptor& file, const FileNames& names,
                     const Vars& file_vars, google::protobuf::io::Printer& printer);

// Writes <file>.forkrpc.cc.
void PrintSourceFile(const google::protobuf::FileDescriptor& file, const FileNames& names,
                     const Vars& file_vars, google::protobuf::io::Printer& printer);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_FILE_PRINTER_H_
