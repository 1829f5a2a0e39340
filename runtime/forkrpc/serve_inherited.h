// serve_inherited.h: the helper's side of SpawnExec. A helper program's main registers
// its services and serves the parent on the socket it inherited:
//   int main() {
//     forkrpc::Server server;
//     server.Register(std::make_unique<CalcImpl>());
//     absl::Status status = forkrpc::ServeInherited(server);
//     if (!status.ok()) std::fprintf(stderr, "%s\n", status.ToString().c_str());
//     return status.ok() ? 0 : 1;
//   }
#ifndef FORKRPC_SERVE_INHERITED_H_
#define FORKRPC_SERVE_INHERITED_H_

#include "absl/status/status.h"
#include "forkrpc/server.h"

namespace forkrpc {

// The environment variable that gives an exec'd helper its socket's descriptor number.
inline constexpr char kInheritedSocketVariable[] = "FORKRPC_FD";

// Serves the parent that started this program with SpawnExec, on the socket named by
// FORKRPC_FD, until the parent's end closes or server.Shutdown(); then returns, as
// Server::Serve does, once the running handlers have finished. The socket is made
// close-on-exec first, so programs this one runs do not inherit it. A registration
// error of `server` reaches the parent as SpawnExec's status and is returned here too.
// FAILED_PRECONDITION when FORKRPC_FD is not set (the program was not started by
// SpawnExec) or names a descriptor that is not open; INVALID_ARGUMENT when it is not a
// descriptor number or not a forkrpc socket.
absl::Status ServeInherited(Server& server);

}  // namespace forkrpc

#endif  // FORKRPC_SERVE_INHERITED_H_
