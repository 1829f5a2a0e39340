#include "forkrpc/socket_pair.h"

#include <sys/socket.h>

#include <cerrno>

#include "forkrpc/internal/errno_status.h"

namespace forkrpc {

const char* SocketTypeName(SocketType type) {
  return type == SocketType::kSeqPacket ? "seqpacket" : "dgram";
}

absl::StatusOr<std::pair<UniqueFd, UniqueFd>> SocketPair(SocketType type) {
  int kind = type == SocketType::kSeqPacket ? SOCK_SEQPACKET : SOCK_DGRAM;
  int fds[2];
  if (::socketpair(AF_UNIX, kind | SOCK_CLOEXEC, 0, fds) != 0) {
    return internal::ErrnoStatus("socketpair", errno);
  }
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

}  // namespace forkrpc
