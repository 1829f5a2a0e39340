// template.h: how a printer's template becomes output. Templates are raw-string constants
// written flush left and shaped like the code they make, so each opens with the newline
// after R"tmpl( that PrintTemplate drops:
//   constexpr char kStubConstructor[] = R"tmpl(
//   explicit Stub(::std::shared_ptr<::forkrpc::Channel> channel);
//   )tmpl";
//   PrintTemplate(vars, kStubConstructor, printer);
// The delimiter is tmpl, not cc: clang-format reformats R"cc( strings as whole C++ files,
// which indents the templates and tears fragments such as "};" apart.
#ifndef FORKRPC_CODEGEN_TEMPLATE_H_
#define FORKRPC_CODEGEN_TEMPLATE_H_

#include "codegen/vars.h"
#include "google/protobuf/io/printer.h"

namespace forkrpc::plugin {

// Prints `text` with its $variables$ replaced from `vars`, at the printer's indent.
// A variable missing from `vars` is a bug in the generator: protobuf 3.21's Printer only
// logs it in optimized builds, so this aborts, naming the variable, in every build.
void PrintTemplate(const Vars& vars, const char* text, google::protobuf::io::Printer& printer);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_TEMPLATE_H_
