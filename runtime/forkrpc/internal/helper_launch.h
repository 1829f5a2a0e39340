// helper_launch.h: what Spawn and SpawnExec share. In the helper, before it serves: the
// descriptors it keeps. In the parent, once the helper runs: the pidfd, the channel and
// the wait for the helper's hello, which carries its setup error if it has one.
#ifndef FORKRPC_INTERNAL_HELPER_LAUNCH_H_
#define FORKRPC_INTERNAL_HELPER_LAUNCH_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "forkrpc/child.h"
#include "forkrpc/server.h"
#include "forkrpc/spawn.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// What the process layer needs of a Server and a Child that their public faces do not
// offer.
struct ServerAccess {
  static void SetSetupError(Server& server, absl::Status error);
  static absl::Status Serve(Server& server, UniqueFd socket, std::string peer_name,
                            UniqueFd parent_pidfd, absl::Duration handler_grace);
};
struct ChildAccess {
  static Child Make(pid_t pid, std::string name, UniqueFd pidfd, std::shared_ptr<Channel> channel);
};

// The helper's side once its server is set up: serves the parent `parent` on `socket`,
// named "parent (pid N)" in statuses and watched through its pidfd (over SOCK_DGRAM its
// death shows only there); `handler_grace` as Server::ServeConnection takes it.
absl::Status ServeParent(Server& server, UniqueFd socket, pid_t parent,
                         absl::Duration handler_grace);

// `keep`, sorted, with stderr (which a helper always keeps) among them: the list
// CloseAllBut takes. Allocates, so a helper that must not (SpawnExec's, between fork and
// exec) gets it made before the fork.
std::vector<int> SortedKeepList(std::vector<int> keep);

// Closes every descriptor from 3 up but those in `sorted_keep` (SortedKeepList). Only
// system calls: safe between fork and exec.
void CloseAllBut(absl::Span<const int> sorted_keep);

// The parent's side of a helper that runs as `pid` on the other end of `parent_end`:
// opens its pidfd, makes the channel to it and waits for its hello (up to
// options.setup_timeout). On failure the helper is killed and reaped, and the status,
// prefixed with `context`, says why (the helper's own setup error among the reasons).
absl::StatusOr<Child> ConnectToHelper(pid_t pid, UniqueFd parent_end, const SpawnOptions& options,
                                      const std::string& context);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_HELPER_LAUNCH_H_
