#include "forkrpc/internal/message_cache.h"

#include <utility>

#include "absl/container/flat_hash_map.h"

namespace forkrpc::internal {
namespace {

using Key = std::pair<const MethodHandler*, MessageRole>;

absl::flat_hash_map<Key, std::unique_ptr<google::protobuf::MessageLite>>& Spares() {
  thread_local absl::flat_hash_map<Key, std::unique_ptr<google::protobuf::MessageLite>> spares;
  return spares;
}

}  // namespace

std::unique_ptr<google::protobuf::MessageLite> TakeMessage(const MethodHandler& handler,
                                                           MessageRole role) {
  auto& spares = Spares();
  auto it = spares.find(Key(&handler, role));
  if (it != spares.end() && it->second != nullptr) return std::move(it->second);
  return role == MessageRole::kRequest ? handler.NewRequest() : handler.NewResponse();
}

void KeepMessage(const MethodHandler& handler, MessageRole role,
                 std::unique_ptr<google::protobuf::MessageLite> message) {
  if (message == nullptr) return;
  message->Clear();
  Spares()[Key(&handler, role)] = std::move(message);
}

}  // namespace forkrpc::internal
