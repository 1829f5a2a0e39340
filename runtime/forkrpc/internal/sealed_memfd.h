// sealed_memfd.h: shared memory that cannot change once handed over. A sender fills a
// memfd, seals it against writing, shrinking and growing (memfd_create(2), F_ADD_SEALS
// in fcntl(2)) and passes it with SCM_RIGHTS; the receiver checks the seals and the
// size before it maps anything, so what it parses cannot change under it and no
// truncation can make a mapped page fault (SIGBUS).
#ifndef FORKRPC_INTERNAL_SEALED_MEMFD_H_
#define FORKRPC_INTERNAL_SEALED_MEMFD_H_

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// A memfd of `size` bytes that `fill` wrote through a writable mapping, sealed against
// every change. Pages are allocated up front (MAP_POPULATE) so `fill` takes no faults.
absl::StatusOr<UniqueFd> CreateSealedMemfd(size_t size, absl::FunctionRef<void(char*)> fill);

// A read-only view of a sealed memfd's contents; unmaps when destroyed. Move-only.
class SealedMapping {
 public:
  // Checks that `fd` is a memfd sealed against writing, shrinking and growing, holding
  // exactly `expected_size` bytes, and maps it. A pipe, a socket or a plain file is
  // refused as "not a sealed memfd"; a missing seal or another size is refused naming
  // it. INVALID_ARGUMENT in every case: the sender broke the rules.
  static absl::StatusOr<SealedMapping> Map(int fd, size_t expected_size);

  SealedMapping(SealedMapping&& other) noexcept;
  SealedMapping& operator=(SealedMapping&& other) noexcept;
  SealedMapping(const SealedMapping&) = delete;
  SealedMapping& operator=(const SealedMapping&) = delete;
  ~SealedMapping();

  absl::string_view view() const {
    return absl::string_view(static_cast<const char*>(address_), size_);
  }

 private:
  SealedMapping(void* address, size_t size) : address_(address), size_(size) {}

  void* address_ = nullptr;
  size_t size_ = 0;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SEALED_MEMFD_H_
