// message_cache.h: spare request and response messages for a server's handlers, one of
// each per method per thread. A message is cleared and kept when its call ends, and the
// next call of the method on that thread parses into it: protobuf's Clear keeps the
// memory of strings and repeated fields, so a big message lands in pages already
// faulted in (parsing 64 MiB into a fresh message costs about five times as much). The
// price is that a thread keeps its largest message of each method.
#ifndef FORKRPC_INTERNAL_MESSAGE_CACHE_H_
#define FORKRPC_INTERNAL_MESSAGE_CACHE_H_

#include <memory>

#include "forkrpc/service.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc::internal {

enum class MessageRole { kRequest, kResponse };

// A cleared message for `role` of `handler`'s method: a spare of this thread's, or a new
// one. Null for a role the method's kind does not have.
std::unique_ptr<google::protobuf::MessageLite> TakeMessage(const MethodHandler& handler,
                                                           MessageRole role);

// Keeps `message`, cleared, as this thread's spare for `role` of `handler`'s method.
// Threads that keep spares must end before the handler is destroyed: server pool
// threads do.
void KeepMessage(const MethodHandler& handler, MessageRole role,
                 std::unique_ptr<google::protobuf::MessageLite> message);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_MESSAGE_CACHE_H_
