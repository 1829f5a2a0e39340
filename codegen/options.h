// options.h: the plugin's parameter, as protoc passes it from --forkrpc_opt: comma-separated
// key=value pairs. An unknown key, a key given twice or a bad value is an error naming it,
// so a misspelt option never passes silently.
//   protoc --forkrpc_out=gen --forkrpc_opt=services_namespace=rpc ...
#ifndef FORKRPC_CODEGEN_OPTIONS_H_
#define FORKRPC_CODEGEN_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forkrpc::plugin {

struct Options {
  // services_namespace=NAME: the service classes go in the namespace NAME inside the
  // package's ("demo::NAME::Calc"), as gRPC's option of that name does, so they cannot
  // meet the package's messages. NAME is a C++ identifier or several joined by "::".
  // Empty: beside the messages.
  std::string services_namespace;
};

// Parses `parameter`; "" gives the defaults. Fails with INVALID_ARGUMENT naming the
// offending key.
absl::StatusOr<Options> ParseOptions(absl::string_view parameter);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_OPTIONS_H_
