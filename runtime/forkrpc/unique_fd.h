// unique_fd.h: the owner of one open file descriptor. Every descriptor forkrpc opens,
// receives or hands out lives in a UniqueFd from the line that creates it, so a failure
// on any path closes it and nothing leaks.
//   forkrpc::UniqueFd file(::open(path, O_RDONLY | O_CLOEXEC));
//   if (!file.valid()) return forkrpc::internal::ErrnoStatus("open", errno);
//   Use(file.get());  // the number leaves only through get() or release()
#ifndef FORKRPC_UNIQUE_FD_H_
#define FORKRPC_UNIQUE_FD_H_

namespace forkrpc {

// Owns one descriptor and closes it when destroyed. Move-only; there is no conversion
// to int or bool, so every place a raw number escapes says get() or release().
// Thread-compatible.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  // The descriptor, still owned by this object; -1 when empty.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing and returns the descriptor.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Closes the current descriptor, if any, and owns `fd` instead. close() is not
  // retried on EINTR: close(2) says the descriptor is released either way.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace forkrpc

#endif  // FORKRPC_UNIQUE_FD_H_
