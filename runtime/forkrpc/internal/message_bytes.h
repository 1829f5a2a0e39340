// message_bytes.h: who owns the bytes of a received message once they are no longer a
// view into the packet they arrived in: a copy of a small message queued for a later
// Read, the buffer a chunked message was assembled in, or the mapping of a sealed
// memfd. Moving one hands the bytes on without copying them.
#ifndef FORKRPC_INTERNAL_MESSAGE_BYTES_H_
#define FORKRPC_INTERNAL_MESSAGE_BYTES_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/string_view.h"
#include "forkrpc/internal/sealed_memfd.h"

namespace forkrpc::internal {

// The largest buffer kept for reuse once its message is gone: reuse saves page faults
// on the next big message, but one rare giant should not pin its memory for good.
inline constexpr size_t kMaxKeptBuffer = size_t{128} << 20;

// Memory for a message too big for one packet, left uninitialised: it is about to be
// overwritten, and zeroing 64 MiB first would cost as much as the transfer. Move-only.
class LargeBuffer {
 public:
  LargeBuffer() = default;
  LargeBuffer(LargeBuffer&& other) noexcept
      : data_(std::move(other.data_)), capacity_(std::exchange(other.capacity_, 0)) {}
  LargeBuffer& operator=(LargeBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  // Room for at least `size` bytes; keeps the current memory when it is big enough, so
  // a reused buffer's pages are already faulted in.
  char* Reserve(size_t size) {
    if (size > capacity_) {
      data_.reset(new char[size]);
      capacity_ = size;
    }
    return data_.get();
  }
  char* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }
  // Frees the memory if it is more than kMaxKeptBuffer.
  void TrimForReuse() {
    if (capacity_ > kMaxKeptBuffer) *this = LargeBuffer();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// The bytes of one received message. Move-only.
class MessageBytes {
 public:
  MessageBytes() = default;
  explicit MessageBytes(std::string copy) : storage_(std::move(copy)) {}
  MessageBytes(LargeBuffer buffer, size_t size) : storage_(Assembled{std::move(buffer), size}) {}
  explicit MessageBytes(SealedMapping mapping) : storage_(std::move(mapping)) {}

  absl::string_view view() const;
  // The assembly buffer, for reuse, when these bytes were assembled from chunks.
  LargeBuffer TakeBuffer();

 private:
  struct Assembled {
    LargeBuffer buffer;
    size_t size;
  };
  std::variant<std::monostate, std::string, Assembled, SealedMapping> storage_;
};

inline absl::string_view MessageBytes::view() const {
  if (const auto* copy = std::get_if<std::string>(&storage_)) return *copy;
  if (const auto* assembled = std::get_if<Assembled>(&storage_)) {
    return absl::string_view(assembled->buffer.data(), assembled->size);
  }
  if (const auto* mapping = std::get_if<SealedMapping>(&storage_)) return mapping->view();
  return absl::string_view();
}

inline LargeBuffer MessageBytes::TakeBuffer() {
  LargeBuffer buffer;
  if (auto* assembled = std::get_if<Assembled>(&storage_)) buffer = std::move(assembled->buffer);
  storage_ = std::monostate();
  return buffer;
}

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_MESSAGE_BYTES_H_
