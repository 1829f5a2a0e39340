// chunk_assembler.h: reassembles messages that arrive in CHUNK frames, one per call.
// The first chunk announces the message's size and descriptor count (wire.ChunkStart),
// which are checked against the limits before any memory is reserved; a message over a
// limit is refused, its chunks still read but dropped, so the connection stays usable.
// The frame flagged CHUNKED that ends the message takes the assembled bytes and
// descriptors; any other frame of the call first discards an unfinished assembly,
// which its sender abandoned. No I/O: the connection reads, this keeps count.
#ifndef FORKRPC_INTERNAL_CHUNK_ASSEMBLER_H_
#define FORKRPC_INTERNAL_CHUNK_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/message_bytes.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// The most descriptors one message may carry, over all its frames.
inline constexpr uint32_t kMaxFdsPerMessage = 16384;
// The most chunked messages one connection assembles at once; more are refused.
inline constexpr size_t kMaxAssemblies = 64;

// A finished message: its bytes and descriptors, or why it was refused.
struct AssembledMessage {
  MessageBytes bytes;
  std::vector<UniqueFd> fds;
  absl::Status refused;
};

// Used only by the holder of the connection's reader role.
class ChunkAssembler {
 public:
  explicit ChunkAssembler(int64_t max_message_size) : max_message_size_(max_message_size) {}

  bool empty() const { return assemblies_.empty(); }

  // Takes in one CHUNK frame and its descriptors. `descriptors_lost` when the kernel
  // dropped some of them (MSG_CTRUNC): the message is then refused. Errors are protocol
  // violations.
  absl::Status AddChunk(const Frame& chunk, std::vector<UniqueFd> fds, bool descriptors_lost);

  // Where the next `size` bytes of the assembly for `call_id` go, for receiving a CHUNK
  // straight into place; null when that assembly does not exist, is refused, or has
  // less room left.
  char* ContinuationTarget(uint32_t call_id, size_t size);
  // Accounts for `size` bytes received at ContinuationTarget.
  void ContinuationReceived(uint32_t call_id, size_t size);

  // For the frame flagged CHUNKED that ends call `call_id`'s message, which carries
  // `final_fds` descriptors of its own: the message, once its size and descriptor count
  // match what the first chunk announced.
  absl::StatusOr<AssembledMessage> Finish(uint32_t call_id, uint32_t message_length,
                                          size_t final_fds);

  // Forgets an unfinished assembly of `call_id`, if any: its sender abandoned it, or the
  // call ended. Chunks of it still arriving are dropped, and its end is refused.
  void Discard(uint32_t call_id);

  // Keeps an assembly buffer no longer needed, so the next big message reuses its
  // pages rather than faulting in fresh ones.
  void Recycle(LargeBuffer buffer);

 private:
  struct Assembly {
    LargeBuffer buffer;
    size_t expected = 0;
    size_t filled = 0;
    uint32_t expected_fds = 0;
    std::vector<UniqueFd> fds;
    absl::Status refused;
  };

  absl::Status Begin(const Frame& chunk, Assembly* assembly);

  const int64_t max_message_size_;
  absl::flat_hash_map<uint32_t, Assembly> assemblies_;
  // Calls whose unfinished message was discarded: their late chunks are dropped quietly.
  absl::flat_hash_set<uint32_t> discarded_;
  LargeBuffer spare_;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CHUNK_ASSEMBLER_H_
