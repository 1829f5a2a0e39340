#include "bench/floor_child.h"

#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/forked_process.h"

namespace forkrpc_bench {
namespace {

// Larger than any packet a default-sized socket buffer lets through.
constexpr size_t kMaxPacket = 256 * 1024;

}  // namespace

absl::StatusOr<FloorChild> FloorChild::Fork(int socket_type, void (*serve)(int fd)) {
  int ends[2];
  if (socketpair(AF_UNIX, socket_type | SOCK_CLOEXEC, 0, ends) != 0) {
    return ErrnoError("socketpair");
  }
  forkrpc::UniqueFd ours(ends[0]);
  forkrpc::UniqueFd theirs(ends[1]);
  absl::StatusOr<pid_t> pid = ForkProcess({theirs.get()}, [&] { serve(theirs.get()); });
  if (!pid.ok()) return pid.status();
  return FloorChild(std::move(ours), *pid);
}

FloorChild::FloorChild(FloorChild&& other) noexcept
    : fd_(std::move(other.fd_)), pid_(std::exchange(other.pid_, -1)) {}

FloorChild& FloorChild::operator=(FloorChild&& other) noexcept {
  if (this != &other) {
    Stop().IgnoreError();
    fd_ = std::move(other.fd_);
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

FloorChild::~FloorChild() { Stop().IgnoreError(); }  // nobody to tell at destruction

absl::Status FloorChild::Stop() {
  fd_.reset();
  if (pid_ < 0) return absl::OkStatus();
  return Reap(std::exchange(pid_, -1));
}

FloorSocket::FloorSocket(int fd) : fd_(fd), in_(new char[kMaxPacket]) {}

absl::Status FloorSocket::Send(const google::protobuf::MessageLite& message) {
  out_.resize(message.ByteSizeLong());
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out_.data()));
  if (send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL) < 0) return ErrnoError("send");
  return absl::OkStatus();
}

absl::Status FloorSocket::Receive(google::protobuf::MessageLite* message) {
  ssize_t n = recv(fd_, in_.get(), kMaxPacket, 0);
  if (n < 0) return ErrnoError("recv");
  if (n == 0) return absl::UnavailableError("recv: end of file");
  if (!message->ParseFromArray(in_.get(), static_cast<int>(n))) {
    return absl::DataLossError(absl::StrCat("parse: ", n, " bytes do not parse"));
  }
  return absl::OkStatus();
}

absl::Status FloorSocket::RoundTrip(const Msg& request, Msg* reply) {
  absl::Status sent = Send(request);
  if (!sent.ok()) return sent;
  return Receive(reply);
}

absl::Status FloorSocket::Pipeline(const Msg& request, int window, int64_t calls) {
  int64_t sent = 0;
  for (; sent < std::min<int64_t>(window, calls); ++sent) {
    absl::Status status = Send(request);
    if (!status.ok()) return status;
  }
  for (int64_t received = 0; received < calls; ++received) {
    absl::Status status = Receive(&reply_);
    if (status.ok() && sent < calls) {
      status = Send(request);
      ++sent;
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status FloorSocket::Flood(const FloodRequest& request) {
  absl::Status status = Send(request);
  for (uint64_t i = 0; status.ok() && i < request.count(); ++i) status = Receive(&reply_);
  return status;
}

void ServeEcho(int fd) {
  FloorSocket socket(fd);
  Msg message;
  while (socket.Receive(&message).ok() && socket.Send(message).ok()) {
  }
}

void ServeFlood(int fd) {
  FloorSocket socket(fd);
  FloodRequest request;
  Msg message;
  while (socket.Receive(&request).ok()) {
    message.set_payload(std::string(request.payload_size(), 'x'));
    for (uint64_t i = 0; i < request.count(); ++i) {
      message.set_id(i);
      if (!socket.Send(message).ok()) return;
    }
  }
}

}  // namespace forkrpc_bench
