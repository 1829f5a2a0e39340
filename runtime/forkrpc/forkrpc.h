// forkrpc.h: the whole public API of forkrpc in one include.
//   #include "forkrpc/forkrpc.h"
#ifndef FORKRPC_FORKRPC_H_
#define FORKRPC_FORKRPC_H_

#include "forkrpc/channel.h"
#include "forkrpc/child.h"
#include "forkrpc/client_context.h"
#include "forkrpc/exit_status.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/metadata.h"
#include "forkrpc/peer_credentials.h"
#include "forkrpc/rpc_method.h"
#include "forkrpc/serve_inherited.h"
#include "forkrpc/server.h"
#include "forkrpc/server_context.h"
#include "forkrpc/service.h"
#include "forkrpc/socket_pair.h"
#include "forkrpc/spawn.h"
#include "forkrpc/sync_stream.h"
#include "forkrpc/unique_fd.h"

#endif  // FORKRPC_FORKRPC_H_
