#include "codegen/generator.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "codegen/file_printer.h"
#include "codegen/line_wrapper.h"
#include "codegen/names.h"
#include "codegen/options.h"
#include "codegen/vars.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace forkrpc::plugin {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::compiler::GeneratorContext;
using google::protobuf::io::Printer;

// Lets `print` write the output `name`, fits it to our column limit and hands it to
// protoc.
template <class Print>
absl::Status WriteOutput(GeneratorContext& context, const std::string& name, Print print) {
  std::string code;
  {
    google::protobuf::io::StringOutputStream buffer(&code);
    Printer printer(&buffer, '$');
    print(printer);
  }
  std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> stream(context.Open(name));
  Printer printer(stream.get(), '$');
  printer.PrintRaw(WrapLines(code));
  if (printer.failed()) {
    return absl::InternalError(absl::StrCat("write ", name, ": protoc did not take the output"));
  }
  return absl::OkStatus();
}

absl::Status GenerateFile(const FileDescriptor& file, const std::string& parameter,
                          GeneratorContext& context) {
  absl::StatusOr<Options> options = ParseOptions(parameter);
  if (!options.ok()) return options.status();
  const FileNames names(file, !options->services_namespace.empty());
  const Vars file_vars = FileVars(file, *options);
  absl::Status status = WriteOutput(context, file_vars.at("forkrpc_header"), [&](Printer& printer) {
    PrintHeaderFile(file, names, file_vars, printer);
  });
  if (!status.ok()) return status;
  return WriteOutput(context, file_vars.at("forkrpc_source"),
                     [&](Printer& printer) { PrintSourceFile(file, names, file_vars, printer); });
}

}  // namespace

bool Generator::Generate(const FileDescriptor* file, const std::string& parameter,
                         GeneratorContext* context, std::string* error) const {
  absl::Status status = GenerateFile(*file, parameter, *context);
  if (!status.ok()) *error = std::string(status.message());
  return status.ok();
}

uint64_t Generator::GetSupportedFeatures() const { return FEATURE_PROTO3_OPTIONAL; }

}  // namespace forkrpc::plugin
