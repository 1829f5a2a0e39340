// floor_child.h: the floor every case is measured against: a forked child and a
// socketpair with no RPC layer. The sender serializes a Msg with protobuf into one
// packet, the receiver parses it; message objects and buffers are reused.
//   absl::StatusOr<FloorChild> child = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
//   FloorSocket socket(child->fd());
//   absl::Status status = socket.RoundTrip(request, &reply);
#ifndef FORKRPC_BENCH_FLOOR_CHILD_H_
#define FORKRPC_BENCH_FLOOR_CHILD_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.pb.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {

// A forked child serving the floor on one end of a socketpair. Move-only; the
// destructor stops and reaps it.
class FloorChild {
 public:
  // Forks a child that runs `serve` on its end of a new socketpair of `socket_type`
  // (SOCK_SEQPACKET, SOCK_STREAM) and exits when `serve` returns.
  static absl::StatusOr<FloorChild> Fork(int socket_type, void (*serve)(int fd));

  FloorChild(FloorChild&& other) noexcept;
  FloorChild& operator=(FloorChild&& other) noexcept;
  ~FloorChild();

  // Our end of the socketpair.
  int fd() const { return fd_.get(); }
  pid_t pid() const { return pid_; }

  // Closes our end, so the child sees end-of-file and exits, and reaps it.
  absl::Status Stop();

 private:
  FloorChild(forkrpc::UniqueFd fd, pid_t pid) : fd_(std::move(fd)), pid_(pid) {}

  forkrpc::UniqueFd fd_;
  pid_t pid_ = -1;
};

// One message per packet over a SOCK_SEQPACKET socket, blocking. Both ends of the
// floor use it. Thread-compatible.
class FloorSocket {
 public:
  explicit FloorSocket(int fd);

  absl::Status Send(const google::protobuf::MessageLite& message);
  // UNAVAILABLE at end-of-file.
  absl::Status Receive(google::protobuf::MessageLite* message);

  // Send, then Receive.
  absl::Status RoundTrip(const Msg& request, Msg* reply);

  // `calls` round trips with up to `window` requests outstanding, from this thread: it
  // sends the first `window`, then one more each time a reply arrives.
  absl::Status Pipeline(const Msg& request, int window, int64_t calls);

  // Asks a ServeFlood child for a flood and receives every message of it.
  absl::Status Flood(const FloodRequest& request);

 private:
  int fd_;
  std::string out_;
  // Room for the largest packet; left uninitialized, so only the pages packets reach
  // become resident.
  std::unique_ptr<char[]> in_;
  Msg reply_;
};

// What a floor child runs, each until end-of-file on `fd`:
// receive a Msg, send it back;
void ServeEcho(int fd);
// receive a FloodRequest, send `count` Msgs of `payload_size` bytes.
void ServeFlood(int fd);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_FLOOR_CHILD_H_
