// socket_pair.h: the connected sockets a parent and its helper talk over. Both ends are
// close-on-exec; keep one and hand the other to the helper.
//   auto ends = forkrpc::SocketPair(forkrpc::SocketType::kSeqPacket);
//   if (!ends.ok()) return ends.status();
//   auto& [mine, theirs] = *ends;
#ifndef FORKRPC_SOCKET_PAIR_H_
#define FORKRPC_SOCKET_PAIR_H_

#include <utility>

#include "absl/status/statusor.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {

// The kind of AF_UNIX socketpair a channel runs over. Both keep message boundaries.
// kSeqPacket also reports end-of-file when the peer closes; kDatagram does not
// (unix(7)), so forkrpc learns of a dead peer from its process instead.
enum class SocketType { kSeqPacket, kDatagram };

// "seqpacket" or "dgram", for messages and test names.
const char* SocketTypeName(SocketType type);

// Creates a connected, close-on-exec AF_UNIX socketpair of `type`. Errors name the
// call and the errno: RESOURCE_EXHAUSTED for EMFILE/ENFILE, INVALID_ARGUMENT for
// EINVAL, and so on.
absl::StatusOr<std::pair<UniqueFd, UniqueFd>> SocketPair(SocketType type);

}  // namespace forkrpc

#endif  // FORKRPC_SOCKET_PAIR_H_
