#include "forkrpc/internal/sealed_memfd.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"

namespace forkrpc::internal {
namespace {

// The seals a receiver insists on. F_SEAL_SEAL is not required: with these three set,
// nothing a later seal could do matters.
constexpr int kRequiredSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;

// An empty memfd cannot be mapped; its view is empty.
const char kEmpty[1] = {0};

}  // namespace

absl::StatusOr<UniqueFd> CreateSealedMemfd(size_t size, absl::FunctionRef<void(char*)> fill) {
  UniqueFd memfd(::memfd_create("forkrpc-message", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd.valid()) return ErrnoStatus("memfd_create", errno);
  if (::ftruncate(memfd.get(), static_cast<off_t>(size)) != 0) {
    return ErrnoStatus("ftruncate", errno);
  }
  if (size > 0) {
    void* address =
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, memfd.get(), 0);
    if (address == MAP_FAILED) return ErrnoStatus("mmap", errno);
    fill(static_cast<char*>(address));
    // F_SEAL_WRITE is refused while a writable mapping exists.
    ::munmap(address, size);
  }
  if (::fcntl(memfd.get(), F_ADD_SEALS, kRequiredSeals | F_SEAL_SEAL) != 0) {
    return ErrnoStatus("fcntl(F_ADD_SEALS)", errno);
  }
  return memfd;
}

absl::StatusOr<SealedMapping> SealedMapping::Map(int fd, size_t expected_size) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("out-of-line message: descriptor is not a sealed memfd (F_GET_SEALS: ",
                     ErrnoStatus("fcntl", errno).message(), ")"));
  }
  if ((seals & kRequiredSeals) != kRequiredSeals) {
    return absl::InvalidArgumentError(absl::StrCat(
        "out-of-line message: memfd is not sealed against ", (seals & F_SEAL_WRITE) == 0 ? "writing"
                                                             : (seals & F_SEAL_SHRINK) == 0
                                                                 ? "shrinking"
                                                                 : "growing"));
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) return ErrnoStatus("fstat", errno);
  if (static_cast<uint64_t>(info.st_size) != expected_size) {
    return absl::InvalidArgumentError(absl::StrCat("out-of-line message: memfd holds ",
                                                   info.st_size, " bytes, ", expected_size,
                                                   " were announced"));
  }
  if (expected_size == 0) return SealedMapping(const_cast<char*>(kEmpty), 0);
  void* address = ::mmap(nullptr, expected_size, PROT_READ, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) return ErrnoStatus("mmap", errno);
  return SealedMapping(address, expected_size);
}

SealedMapping::SealedMapping(SealedMapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SealedMapping& SealedMapping::operator=(SealedMapping&& other) noexcept {
  if (this != &other) {
    if (address_ != nullptr && size_ > 0) ::munmap(address_, size_);
    address_ = std::exchange(other.address_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SealedMapping::~SealedMapping() {
  if (address_ != nullptr && size_ > 0) ::munmap(address_, size_);
}

}  // namespace forkrpc::internal
