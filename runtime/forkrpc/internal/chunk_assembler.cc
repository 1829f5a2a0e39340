#include "forkrpc/internal/chunk_assembler.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {
absl::Status ChunkAssembler::Begin(const Frame& chunk, Assembly* assembly) {
  wire::ChunkStart start;
  if (!start.ParseFromArray(chunk.control.data(), static_cast<int>(chunk.control.size()))) {
    return ProtocolError("CHUNK start control section does not parse");
  }
  assembly->expected = start.message_size();
  assembly->expected_fds = start.fd_count();
  if (start.message_size() > static_cast<uint64_t>(max_message_size_)) {
    assembly->refused = absl::ResourceExhaustedError(
        absl::StrCat("message of ", start.message_size(), " bytes exceeds the limit of ",
                     max_message_size_, " bytes"));
  } else if (start.fd_count() > kMaxFdsPerMessage) {
    assembly->refused = absl::ResourceExhaustedError(
        absl::StrCat("message with ", start.fd_count(), " descriptors exceeds the limit of ",
                     kMaxFdsPerMessage));
  } else if (assemblies_.size() >= kMaxAssemblies) {
    assembly->refused = absl::ResourceExhaustedError(
        absl::StrCat("more than ", kMaxAssemblies, " chunked messages arriving at once"));
  } else {
    if (spare_.capacity() >= assembly->expected) assembly->buffer = std::move(spare_);
    assembly->buffer.Reserve(assembly->expected);
  }
  return absl::OkStatus();
}

absl::Status ChunkAssembler::AddChunk(const Frame& chunk, std::vector<UniqueFd> fds,
                                      bool descriptors_lost) {
  uint32_t id = chunk.header.call_id;
  auto it = assemblies_.find(id);
  if (!discarded_.empty() && discarded_.contains(id)) {
    if (chunk.control.empty()) return absl::OkStatus();  // late part of a dropped message
    discarded_.erase(id);
  }
  if (!chunk.control.empty()) {
    if (it != assemblies_.end()) {
      return ProtocolError(absl::StrCat("call ", id, " starts a second chunked message"));
    }
    Assembly assembly;
    absl::Status status = Begin(chunk, &assembly);
    if (!status.ok()) return status;
    it = assemblies_.emplace(id, std::move(assembly)).first;
  } else if (it == assemblies_.end()) {
    return ProtocolError(absl::StrCat("CHUNK for call ", id, " before its first chunk"));
  }
  Assembly& assembly = it->second;
  size_t size = chunk.message.size();
  if (size > assembly.expected - assembly.filled) {
    return ProtocolError(
        absl::StrCat("chunks of call ", id, " exceed the announced ", assembly.expected, " bytes"));
  }
  if (assembly.fds.size() + fds.size() > assembly.expected_fds) {
    return ProtocolError(absl::StrCat("chunks of call ", id, " carry more than the announced ",
                                      assembly.expected_fds, " descriptors"));
  }
  if (descriptors_lost && assembly.refused.ok()) {
    assembly.refused = absl::ResourceExhaustedError(
        "descriptors of the message were lost: the receiver's descriptor table is full "
        "(MSG_CTRUNC)");
  }
  if (assembly.refused.ok()) {
    memcpy(assembly.buffer.data() + assembly.filled, chunk.message.data(), size);
    for (UniqueFd& fd : fds) assembly.fds.push_back(std::move(fd));
  }
  // A refused message's bytes are dropped here and its descriptors close with `fds`.
  assembly.filled += size;
  return absl::OkStatus();
}

char* ChunkAssembler::ContinuationTarget(uint32_t call_id, size_t size) {
  auto it = assemblies_.find(call_id);
  if (it == assemblies_.end() || !it->second.refused.ok()) return nullptr;
  Assembly& assembly = it->second;
  if (size > assembly.expected - assembly.filled) return nullptr;
  return assembly.buffer.data() + assembly.filled;
}

void ChunkAssembler::ContinuationReceived(uint32_t call_id, size_t size) {
  assemblies_.at(call_id).filled += size;
}

absl::StatusOr<AssembledMessage> ChunkAssembler::Finish(uint32_t call_id, uint32_t message_length,
                                                        size_t final_fds) {
  auto it = assemblies_.find(call_id);
  if (it == assemblies_.end()) {
    if (discarded_.erase(call_id) > 0) {
      AssembledMessage dropped;
      dropped.refused = absl::CancelledError("the rest of the message was dropped");
      return dropped;
    }
    return ProtocolError(absl::StrCat("call ", call_id, " ends a chunked message never begun"));
  }
  Assembly assembly = std::move(it->second);
  assemblies_.erase(it);
  if (assembly.filled != assembly.expected || message_length != assembly.expected) {
    return ProtocolError(absl::StrCat("chunked message of call ", call_id, " holds ",
                                      assembly.filled, " bytes, announced ", assembly.expected,
                                      ", ended as ", message_length));
  }
  if (assembly.refused.ok() && assembly.fds.size() + final_fds != assembly.expected_fds) {
    return ProtocolError(absl::StrCat("chunked message of call ", call_id, " carries ",
                                      assembly.fds.size() + final_fds, " descriptors, announced ",
                                      assembly.expected_fds));
  }
  AssembledMessage message;
  message.refused = std::move(assembly.refused);
  if (message.refused.ok()) {
    message.bytes = MessageBytes(std::move(assembly.buffer), assembly.expected);
    message.fds = std::move(assembly.fds);
  }
  return message;
}

void ChunkAssembler::Discard(uint32_t call_id) {
  auto it = assemblies_.find(call_id);
  if (it == assemblies_.end()) return;
  Recycle(std::move(it->second.buffer));
  assemblies_.erase(it);
  discarded_.insert(call_id);
}

void ChunkAssembler::Recycle(LargeBuffer buffer) {
  buffer.TrimForReuse();
  if (buffer.capacity() > spare_.capacity()) spare_ = std::move(buffer);
}

}  // namespace forkrpc::internal
