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

// The slot of the key this thread used last, one per role: a thread serving one method
// finds its spares without hashing. Slots of a flat_hash_map move when it grows, so the
// cache is dropped whenever a key is added.
struct LastSlot {
  const MethodHandler* handler = nullptr;
  std::unique_ptr<google::protobuf::MessageLite>* slot = nullptr;
};
thread_local LastSlot t_last[2];

std::unique_ptr<google::protobuf::MessageLite>& SlotFor(const MethodHandler& handler,
                                                        MessageRole role) {
  LastSlot& last = t_last[role == MessageRole::kRequest ? 0 : 1];
  if (last.handler == &handler) return *last.slot;
  auto& spares = Spares();
  size_t before = spares.size();
  std::unique_ptr<google::protobuf::MessageLite>& slot = spares[Key(&handler, role)];
  if (spares.size() != before) t_last[0] = t_last[1] = LastSlot{};
  last = LastSlot{&handler, &slot};
  return slot;
}

}  // namespace

std::unique_ptr<google::protobuf::MessageLite> TakeMessage(const MethodHandler& handler,
                                                           MessageRole role) {
  std::unique_ptr<google::protobuf::MessageLite>& slot = SlotFor(handler, role);
  if (slot != nullptr) return std::move(slot);
  return role == MessageRole::kRequest ? handler.NewRequest() : handler.NewResponse();
}

void KeepMessage(const MethodHandler& handler, MessageRole role,
                 std::unique_ptr<google::protobuf::MessageLite> message) {
  if (message == nullptr) return;
  message->Clear();
  SlotFor(handler, role) = std::move(message);
}

}  // namespace forkrpc::internal
