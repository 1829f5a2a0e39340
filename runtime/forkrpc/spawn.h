// spawn.h: starting helper processes. Spawn forks: the helper runs `setup` on a Server
// of its own, in a copy of the parent, and serves the parent until the parent's end of
// the channel closes.
//   absl::StatusOr<forkrpc::Child> child = forkrpc::Spawn(
//       [](forkrpc::Server& server) { server.Register(std::make_unique<CalcImpl>()); },
//       {.name = "calc"});
//   if (!child.ok()) return child.status();
//   demo::Calc::Stub calc(child->channel());
//
// In a parent that already runs threads, Spawn is exactly as safe as fork(): the helper
// must not need a lock another thread held at the fork. SpawnExec is safe anywhere: it
// runs another program as the helper, which serves through ServeInherited
// (serve_inherited.h); until its exec the child makes system calls only, and it copies
// no page table of the parent's, so its cost does not grow with the parent's memory.
//   absl::StatusOr<forkrpc::Child> child =
//       forkrpc::SpawnExec({"/usr/libexec/myapp/calc-helper", "--verbose"}, {.name = "calc"});
#ifndef FORKRPC_SPAWN_H_
#define FORKRPC_SPAWN_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forkrpc/channel.h"
#include "forkrpc/child.h"
#include "forkrpc/server.h"
#include "forkrpc/socket_pair.h"

namespace forkrpc {

struct SpawnOptions {
  SocketType socket_type = SocketType::kSeqPacket;
  // Names the helper in every status about it: "helper calc (pid 4242) ...".
  std::string name = "helper";
  // Descriptors the helper keeps open, at the same numbers; every other descriptor but
  // stdin, stdout, stderr and its socket is closed in the helper before `setup` runs.
  std::vector<int> keep_fds;
  // Options of the parent's channel (default_timeout, max_message_size).
  ChannelOptions channel_options;
  // Options of the helper's server (Spawn only: an exec'd helper makes its own Server).
  ServerOptions server_options;
  // How long Spawn waits for the helper to finish `setup` and say hello; no limit by
  // default. Past it, the helper is killed and Spawn fails with DEADLINE_EXCEEDED.
  std::optional<absl::Duration> setup_timeout;
};

// Forks a helper. In the helper: dies with the parent (PR_SET_PDEATHSIG, checked after
// it is set), closes every descriptor but stdio, its socket and `keep_fds`, runs
// `setup` on a fresh Server, serves until the parent's end closes, flushes stdio and
// _exits (never exit: the parent's static destructors are not the helper's to run).
// A registration error, or an exception thrown by `setup`, is Spawn's status; the
// helper is reaped then. The helper dies with the thread that called Spawn (this is how
// PR_SET_PDEATHSIG works), so spawn from a thread that lives as long as the helper.
absl::StatusOr<Child> Spawn(std::function<void(Server&)> setup, SpawnOptions options = {});

// Runs the program `argv` names as a helper: argv[0] is a path, or a name looked up in
// PATH as a shell would, and the whole of argv is the program's arguments. The child is
// cloned as posix_spawn's are (CLONE_VM | CLONE_VFORK: no copy of the parent's memory,
// no pthread_atfork handler). In it, before the exec: signals the parent catches go back
// to their defaults, it dies with the parent (PR_SET_PDEATHSIG, checked after it is
// set), unblocks every signal, and closes every descriptor but stdio, its socket and
// `keep_fds`, which the program inherits at the same numbers. The socket's number is in
// the program's environment as FORKRPC_FD, for ServeInherited. The program's setup or
// registration error, or its death before it said hello, is SpawnExec's status, as is a
// failed exec: NOT_FOUND for a program that does not exist, PERMISSION_DENIED for one
// that may not be run, INVALID_ARGUMENT for a file that is no program (or an empty
// argv). As with Spawn, the helper dies with the thread that called SpawnExec.
absl::StatusOr<Child> SpawnExec(std::vector<std::string> argv, SpawnOptions options = {});

}  // namespace forkrpc

#endif  // FORKRPC_SPAWN_H_
