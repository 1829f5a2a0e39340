// peer_credentials.h: who is at the other end of a connection, as the kernel vouched for
// it when the connection started. On a socketpair SO_PEERCRED names whoever created the
// pair, the same process on both ends, so forkrpc takes credentials from SCM_CREDENTIALS
// on the peer's hello instead (unix(7)).
#ifndef FORKRPC_PEER_CREDENTIALS_H_
#define FORKRPC_PEER_CREDENTIALS_H_

#include <sys/types.h>

namespace forkrpc {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
};

}  // namespace forkrpc

#endif  // FORKRPC_PEER_CREDENTIALS_H_
