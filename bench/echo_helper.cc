// echo_helper: the Echo service as a program of its own, for the spawn benchmark's
// SpawnExec row. It serves the parent that ran it through ServeInherited.
#include <cstdio>

#include "bench/echo_service.h"
#include "forkrpc/forkrpc.h"

int main() {
  forkrpc_bench::EchoService service;
  forkrpc::Server server;
  server.Register(&service);
  absl::Status status = forkrpc::ServeInherited(server);
  if (!status.ok()) std::fprintf(stderr, "echo_helper: %s\n", status.ToString().c_str());
  return status.ok() ? 0 : 1;
}
