// bare_helper.h: a helper with no forkrpc server in it, for call_cost --bare-helper. It
// speaks just enough of the wire format to answer a forkrpc channel's unary Echo calls:
// one receive and one send per call, as the floor's child does. A call to it costs the
// caller's side of the runtime and nothing of the server's, so timing calls to it
// against calls to a real helper tells the two sides' costs apart.
#ifndef FORKRPC_BENCH_BARE_HELPER_H_
#define FORKRPC_BENCH_BARE_HELPER_H_

#include "absl/status/status.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// Says hello on `socket`, then answers each CALL_START with a STATUS frame carrying a
// copy of its request, until the channel says goodbye or closes. Any other frame, or a
// request that does not parse, ends it with an error: it serves Echo.Unary only.
absl::Status ServeBare(forkrpc::UniqueFd socket);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_BARE_HELPER_H_
