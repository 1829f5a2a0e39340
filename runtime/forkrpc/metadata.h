// metadata.h: the key-value pairs that travel with a call beside its messages, as in
// gRPC. Keys are lower-case ASCII letters, digits, '-', '_' and '.'; a key ending in
// "-bin" carries arbitrary bytes, any other printable ASCII. Keys starting with
// "grpc-" or "forkrpc-" belong to the runtimes and are refused.
//   context.AddMetadata("request-origin", "unit-test");
//   context.AddMetadata("trace-bin", std::string("\x01\x02", 2));
#ifndef FORKRPC_METADATA_H_
#define FORKRPC_METADATA_H_

#include <map>
#include <string>

namespace forkrpc {

// Several values may share a key; they keep the order they were added in.
using Metadata = std::multimap<std::string, std::string>;

}  // namespace forkrpc

#endif  // FORKRPC_METADATA_H_
