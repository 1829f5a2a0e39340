// call_table.h: the calls in flight on one connection, by call id, and which ids have
// ever been used. A frame for a call that ended a moment ago (a reply racing a
// cancellation) is normal and dropped; a frame for an id never used is a protocol
// error. Ids are 32-bit and compared with serial-number arithmetic, so they may wrap.
#ifndef FORKRPC_INTERNAL_CALL_TABLE_H_
#define FORKRPC_INTERNAL_CALL_TABLE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/internal/call_state.h"
#include "forkrpc/internal/frame.h"

namespace forkrpc::internal {

// Holds calls of type `Call` (a CallState). Thread-compatible: the connection's mutex
// guards it.
template <class Call>
class CallTable {
 public:
  // Client side: the id for a new call; never 0.
  uint32_t NextId() {
    uint32_t id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    latest_ = id;
    seen_any_ = true;
    return id;
  }

  // Server side: records that the peer started call `id`. False for id 0 or an id in
  // use by a call in flight.
  bool Admit(uint32_t id) {
    if (id == 0 || Find(id) != nullptr) return false;
    if (!seen_any_ || static_cast<int32_t>(id - latest_) > 0) latest_ = id;
    seen_any_ = true;
    return true;
  }

  // Whether `id` is at most the newest id issued (client) or admitted (server).
  bool WasUsed(uint32_t id) const {
    return id != 0 && seen_any_ && static_cast<int32_t>(latest_ - id) >= 0;
  }

  void Insert(std::shared_ptr<Call> call) {
    if (front_ == nullptr) {
      front_ = std::move(call);
      return;
    }
    uint32_t id = call->id();
    calls_[id] = std::move(call);
  }

  // The call a frame with `header` is for: null when the call ended here a moment ago
  // (its frame is late, and dropped); a protocol error for an id never used.
  absl::StatusOr<std::shared_ptr<Call>> FindFor(const FrameHeader& header) const {
    if (InFront(header.call_id)) return front_;
    auto it = calls_.find(header.call_id);
    if (it != calls_.end()) return it->second;
    if (WasUsed(header.call_id)) return nullptr;
    return NeverStarted(header);
  }

  // As FindFor, but takes the call out of the table, handing over the table's reference.
  absl::StatusOr<std::shared_ptr<Call>> TakeFor(const FrameHeader& header) {
    if (InFront(header.call_id)) return std::move(front_);
    auto it = calls_.find(header.call_id);
    if (it != calls_.end()) {
      std::shared_ptr<Call> call = std::move(it->second);
      calls_.erase(it);
      return call;
    }
    if (WasUsed(header.call_id)) return nullptr;
    return NeverStarted(header);
  }

  Call* Find(uint32_t id) const {
    if (InFront(id)) return front_.get();
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second.get();
  }

  // Call `id` itself, shared; null when it is not in flight.
  std::shared_ptr<Call> FindShared(uint32_t id) const {
    if (InFront(id)) return front_;
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second;
  }

  std::shared_ptr<Call> Remove(uint32_t id) {
    if (InFront(id)) return std::move(front_);
    auto it = calls_.find(id);
    if (it == calls_.end()) return nullptr;
    std::shared_ptr<Call> call = std::move(it->second);
    calls_.erase(it);
    return call;
  }

  // Empties the table, returning every call, for failing them all.
  std::vector<std::shared_ptr<Call>> TakeAll() {
    std::vector<std::shared_ptr<Call>> calls;
    calls.reserve(size());
    if (front_ != nullptr) calls.push_back(std::move(front_));
    for (auto& [id, call] : calls_) calls.push_back(std::move(call));
    calls_.clear();
    return calls;
  }

  size_t size() const { return calls_.size() + (front_ != nullptr ? 1 : 0); }
  bool empty() const { return front_ == nullptr && calls_.empty(); }

 private:
  bool InFront(uint32_t id) const { return front_ != nullptr && front_->id() == id; }
  static absl::Status NeverStarted(const FrameHeader& header) {
    return ProtocolError(absl::StrCat(FrameTypeName(header.type), " frame for call id ",
                                      header.call_id, ", which was never started"));
  }

  // A call kept beside the map rather than in it: the first one inserted while the
  // slot is free. A connection usually carries one call at a time, which then costs no
  // hashing to insert, find and remove.
  std::shared_ptr<Call> front_;
  absl::flat_hash_map<uint32_t, std::shared_ptr<Call>> calls_;
  uint32_t next_id_ = 1;
  uint32_t latest_ = 0;
  bool seen_any_ = false;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CALL_TABLE_H_
