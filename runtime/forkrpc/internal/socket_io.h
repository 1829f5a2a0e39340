// socket_io.h: one packet in, one packet out, with descriptors riding along. These are
// the only calls of send(2), recv(2), sendmsg(2), recvmsg(2) and ppoll(2) in forkrpc:
// they retry EINTR, never raise SIGPIPE, wrap every received descriptor in a UniqueFd
// before looking at it, and turn errno into a Status through ErrnoStatus.
#ifndef FORKRPC_INTERNAL_SOCKET_IO_H_
#define FORKRPC_INTERNAL_SOCKET_IO_H_

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// The most descriptors one packet can carry (SCM_MAX_FD in the kernel, unix(7)).
inline constexpr int kMaxFdsPerPacket = 253;

// Whether a non-blocking socket call did its work or would have had to wait.
enum class IoProgress { kDone, kWouldBlock };

// The numbers of `fds`, for SendPacket; `fds` keeps owning them.
std::vector<int> FdNumbers(const std::vector<UniqueFd>& fds);

// send(2) of `size` bytes with `flags`, issued as a plain system call: glibc's wrapper
// is a thread-cancellation point, which in a process with a second thread (every
// helper has one) costs two atomic updates of the thread's state around each call,
// about 20 ns here. forkrpc cancels no threads, and a thread blocked in a forkrpc call
// is no place to cancel one. Returns what send(2) returns, with errno set on failure.
ssize_t SendBytes(int socket, const void* data, size_t size, int flags);

// Sends the concatenation of `data` as one packet, attaching `fds` (at most
// kMaxFdsPerPacket) and, if `with_credentials`, this process's pid, uid and gid.
// Never blocks. A packet is queued whole or not at all on SEQPACKET and DGRAM.
absl::StatusOr<IoProgress> SendPacket(int socket, absl::Span<const iovec> data,
                                      absl::Span<const int> fds, bool with_credentials = false);

// What ReceivePacket found besides the bytes.
struct ReceivedPacket {
  // The packet's full length, which exceeds the buffer's capacity when the packet was
  // cut short (MSG_TRUNC); 0 means end-of-file on SEQPACKET.
  size_t size = 0;
  // Every descriptor that arrived, already owned and close-on-exec.
  std::vector<UniqueFd> fds;
  // The kernel dropped descriptors or credentials for want of room (MSG_CTRUNC).
  bool control_truncated = false;
  // The sender's credentials, when the socket has SO_PASSCRED set.
  std::optional<ucred> credentials;
  // The receive had room for descriptors and credentials. Without it, the kernel
  // closed whatever came attached, and `fds` is empty whatever the sender attached.
  bool had_control_room = true;
};

// How a receive treats an empty socket.
enum class ReceiveMode {
  kDontWait,  // returns kWouldBlock at once
  kWait,      // waits, until the socket's SO_RCVTIMEO passes (then kWouldBlock)
};

// Whether a receive makes room for what may come attached to a packet. Without room it
// is a plain recv(), which costs the kernel less than recvmsg(): no msghdr or iovec to
// copy in and out.
enum class ControlRoom {
  kNone,
  kMake,
};

// Receives one packet into `buffer`.
absl::StatusOr<IoProgress> ReceivePacket(int socket, absl::Span<char> buffer,
                                         ReceivedPacket* packet,
                                         ReceiveMode mode = ReceiveMode::kDontWait,
                                         ControlRoom room = ControlRoom::kMake);
// The same, scattering the packet over `buffers` in order.
absl::StatusOr<IoProgress> ReceivePacket(int socket, absl::Span<const iovec> buffers,
                                         ReceivedPacket* packet,
                                         ReceiveMode mode = ReceiveMode::kDontWait);

// Copies the start of the next packet into `buffer` without taking it off the socket
// and without blocking; returns how many bytes were copied, 0 if there is no packet.
absl::StatusOr<size_t> PeekPacket(int socket, absl::Span<char> buffer);

// Waits until one of `fds` reports an event or `deadline` passes; returns how many
// reported events (0 on timeout). Retries EINTR with the time that is left.
absl::StatusOr<int> PollUntil(absl::Span<pollfd> fds, absl::Time deadline);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SOCKET_IO_H_
