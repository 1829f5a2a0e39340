#include "forkrpc/internal/socket_io.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "forkrpc/internal/check.h"
#include "forkrpc/internal/errno_status.h"

namespace forkrpc::internal {
namespace {

// Room for the largest control message either side may legitimately send: a full set
// of descriptors and one set of credentials.
constexpr size_t kControlSpace =
    CMSG_SPACE(sizeof(int) * kMaxFdsPerPacket) + CMSG_SPACE(sizeof(ucred));

// The other socket calls issued as plain system calls, for the reason SendBytes gives.
ssize_t ReceiveBytes(int socket, void* buffer, size_t size, int flags) {
  return ::syscall(SYS_recvfrom, socket, buffer, size, flags, nullptr, nullptr);
}
ssize_t SendMessage(int socket, const msghdr* message, int flags) {
  return ::syscall(SYS_sendmsg, socket, message, flags);
}
ssize_t ReceiveMessage(int socket, msghdr* message, int flags) {
  return ::syscall(SYS_recvmsg, socket, message, flags);
}

// Takes ownership of every descriptor in the control messages of `message`, and the
// credentials if present.
void CollectControl(msghdr* message, ReceivedPacket* packet) {
  for (cmsghdr* header = CMSG_FIRSTHDR(message); header != nullptr;
       header = CMSG_NXTHDR(message, header)) {
    if (header->cmsg_level != SOL_SOCKET) continue;
    if (header->cmsg_type == SCM_RIGHTS) {
      size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const unsigned char* data = CMSG_DATA(header);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        memcpy(&fd, data + i * sizeof(int), sizeof(int));
        packet->fds.emplace_back(fd);
      }
    } else if (header->cmsg_type == SCM_CREDENTIALS &&
               header->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
      ucred credentials;
      memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
      packet->credentials = credentials;
    }
  }
}

}  // namespace

ssize_t SendBytes(int socket, const void* data, size_t size, int flags) {
  return ::syscall(SYS_sendto, socket, data, size, flags, nullptr, 0);
}

std::vector<int> FdNumbers(const std::vector<UniqueFd>& fds) {
  std::vector<int> numbers;
  if (fds.empty()) return numbers;
  numbers.reserve(fds.size());
  for (const UniqueFd& fd : fds) numbers.push_back(fd.get());
  return numbers;
}

absl::StatusOr<IoProgress> SendPacket(int socket, absl::Span<const iovec> data,
                                      absl::Span<const int> fds, bool with_credentials) {
  FORKRPC_CHECK(fds.size() <= static_cast<size_t>(kMaxFdsPerPacket));
  alignas(cmsghdr) char control[kControlSpace];
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(data.data());
  message.msg_iovlen = data.size();
  size_t control_length = 0;
  if (!fds.empty()) {
    control_length += CMSG_SPACE(sizeof(int) * fds.size());
  }
  if (with_credentials) control_length += CMSG_SPACE(sizeof(ucred));
  if (control_length > 0) {
    memset(control, 0, control_length);
    message.msg_control = control;
    message.msg_controllen = control_length;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (!fds.empty()) {
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
      header = CMSG_NXTHDR(&message, header);
    }
    if (with_credentials) {
      ucred credentials{::getpid(), ::getuid(), ::getgid()};
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_CREDENTIALS;
      header->cmsg_len = CMSG_LEN(sizeof(ucred));
      memcpy(CMSG_DATA(header), &credentials, sizeof(credentials));
    }
  }
  // A lone buffer with nothing attached goes by send(), which spares the kernel
  // copying in a msghdr and an iovec array: most frames are such.
  bool plain = control_length == 0 && data.size() == 1;
  for (;;) {
    ssize_t sent =
        plain ? SendBytes(socket, data[0].iov_base, data[0].iov_len, MSG_DONTWAIT | MSG_NOSIGNAL)
              : SendMessage(socket, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return IoProgress::kDone;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoProgress::kWouldBlock;
    return ErrnoStatus(plain ? "send" : "sendmsg", errno);
  }
}

absl::StatusOr<IoProgress> ReceivePacket(int socket, absl::Span<char> buffer,
                                         ReceivedPacket* packet, ReceiveMode mode,
                                         ControlRoom room) {
  if (room == ControlRoom::kMake) {
    iovec vector{buffer.data(), buffer.size()};
    return ReceivePacket(socket, absl::MakeConstSpan(&vector, 1), packet, mode);
  }
  packet->fds.clear();
  packet->credentials.reset();
  packet->control_truncated = false;
  packet->had_control_room = false;
  for (;;) {
    int flags = MSG_TRUNC | (mode == ReceiveMode::kDontWait ? MSG_DONTWAIT : 0);
    ssize_t received = ReceiveBytes(socket, buffer.data(), buffer.size(), flags);
    if (received >= 0) {
      packet->size = static_cast<size_t>(received);
      return IoProgress::kDone;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoProgress::kWouldBlock;
    return ErrnoStatus("recv", errno);
  }
}

absl::StatusOr<IoProgress> ReceivePacket(int socket, absl::Span<const iovec> buffers,
                                         ReceivedPacket* packet, ReceiveMode mode) {
  alignas(cmsghdr) char control[kControlSpace];
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(buffers.data());
  message.msg_iovlen = buffers.size();
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  packet->fds.clear();
  packet->credentials.reset();
  packet->had_control_room = true;
  for (;;) {
    int flags = MSG_TRUNC | MSG_CMSG_CLOEXEC | (mode == ReceiveMode::kDontWait ? MSG_DONTWAIT : 0);
    ssize_t received = ReceiveMessage(socket, &message, flags);
    if (received >= 0) {
      // Descriptors are owned before anything else is looked at, so every return
      // below, and every rejection by the caller, closes them.
      if (message.msg_controllen > 0) CollectControl(&message, packet);
      packet->size = static_cast<size_t>(received);
      packet->control_truncated = (message.msg_flags & MSG_CTRUNC) != 0;
      return IoProgress::kDone;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoProgress::kWouldBlock;
    return ErrnoStatus("recvmsg", errno);
  }
}

absl::StatusOr<size_t> PeekPacket(int socket, absl::Span<char> buffer) {
  for (;;) {
    ssize_t peeked =
        ReceiveBytes(socket, buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT);
    if (peeked >= 0) return static_cast<size_t>(peeked);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return ErrnoStatus("recv(MSG_PEEK)", errno);
  }
}

absl::StatusOr<int> PollUntil(absl::Span<pollfd> fds, absl::Time deadline) {
  for (;;) {
    timespec timeout;
    timespec* timeout_pointer = nullptr;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
      timeout = absl::ToTimespec(left);
      timeout_pointer = &timeout;
    }
    int ready = ::ppoll(fds.data(), fds.size(), timeout_pointer, nullptr);
    if (ready >= 0) return ready;
    if (errno != EINTR) return ErrnoStatus("ppoll", errno);
  }
}

}  // namespace forkrpc::internal
