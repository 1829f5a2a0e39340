#include "bench/big_transfer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "bench/forked_process.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {
namespace {

constexpr size_t kStreamWrite = 208 * 1024;
// The largest SOCK_SEQPACKET packet the default socket buffer (212,992 B) passes.
constexpr size_t kChunkPacket = 212960;
// The send buffer both ends of the stream and chunks paths ask for: the one forkrpc's
// connections ask for before their first chunked message, so that several writes or
// packets are on their way at once.
constexpr int kSendBuffer = 2 << 20;
constexpr int kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

absl::Status WriteAll(int fd, const char* data, size_t size, size_t most_per_write) {
  while (size > 0) {
    ssize_t n = write(fd, data, std::min(size, most_per_write));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("write");
    data += n;
    size -= n;
  }
  return absl::OkStatus();
}

absl::Status ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read");
    if (n == 0) return absl::UnavailableError("read: end of file");
    data += n;
    size -= n;
  }
  return absl::OkStatus();
}

absl::Status ReceivePacket(int fd, void* data, size_t size) {
  ssize_t n = recv(fd, data, size, 0);
  if (n < 0) return ErrnoError("recv");
  if (n == 0) return absl::UnavailableError("recv: end of file");
  if (static_cast<size_t>(n) != size) {
    return absl::DataLossError(absl::StrCat("recv: ", n, " bytes where ", size, " were due"));
  }
  return absl::OkStatus();
}

absl::Status Parse(const void* data, uint64_t size, Msg* message) {
  if (!message->ParseFromArray(data, static_cast<int>(size))) {
    return absl::DataLossError(absl::StrCat("parse: ", size, " bytes do not parse"));
  }
  return absl::OkStatus();
}

// Asks for kSendBuffer on `fd` (the kernel doubles the request and caps it at
// net.core.wmem_max).
absl::Status EnlargeSendBuffer(int fd) {
  int request = kSendBuffer / 2;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &request, sizeof request) != 0) {
    return ErrnoError("setsockopt(SO_SNDBUF)");
  }
  return absl::OkStatus();
}

template <BigPath path>
void ServeBigEcho(int fd) {
  if (!EnlargeSendBuffer(fd).ok()) return;
  BigTransfer transfer(path, fd);
  Msg message;
  while (transfer.Receive(&message).ok() && transfer.Send(message).ok()) {
  }
}

}  // namespace

const char* BigPathName(BigPath path) {
  switch (path) {
    case BigPath::kStream:
      return "stream";
    case BigPath::kPacketChunks:
      return "chunks";
    case BigPath::kMemfd:
      return "memfd";
  }
  return "?";
}

absl::StatusOr<FloorChild> ForkBigEchoChild(BigPath path) {
  absl::StatusOr<FloorChild> child = absl::InvalidArgumentError("unknown path");
  switch (path) {
    case BigPath::kStream:
      child = FloorChild::Fork(SOCK_STREAM, ServeBigEcho<BigPath::kStream>);
      break;
    case BigPath::kPacketChunks:
      child = FloorChild::Fork(SOCK_SEQPACKET, ServeBigEcho<BigPath::kPacketChunks>);
      break;
    case BigPath::kMemfd:
      child = FloorChild::Fork(SOCK_SEQPACKET, ServeBigEcho<BigPath::kMemfd>);
      break;
  }
  if (!child.ok()) return child;
  absl::Status enlarged = EnlargeSendBuffer(child->fd());
  if (!enlarged.ok()) return enlarged;
  return child;
}

absl::StatusOr<std::vector<FloorChild>> ForkBigEchoChildren(std::vector<pid_t>* pids) {
  std::vector<FloorChild> children;
  for (BigPath path : kBigPaths) {
    absl::StatusOr<FloorChild> child = ForkBigEchoChild(path);
    if (!child.ok()) return child.status();
    pids->push_back(child->pid());
    children.push_back(*std::move(child));
  }
  return children;
}

absl::Status BigTransfer::Send(const Msg& message) {
  switch (path_) {
    case BigPath::kStream:
      return SendStream(message);
    case BigPath::kPacketChunks:
      return SendChunks(message);
    case BigPath::kMemfd:
      return SendMemfd(message);
  }
  return absl::InvalidArgumentError("unknown path");
}

absl::Status BigTransfer::Receive(Msg* message) {
  switch (path_) {
    case BigPath::kStream:
      return ReceiveStream(message);
    case BigPath::kPacketChunks:
      return ReceiveChunks(message);
    case BigPath::kMemfd:
      return ReceiveMemfd(message);
  }
  return absl::InvalidArgumentError("unknown path");
}

absl::Status BigTransfer::RoundTrip(const Msg& request, Msg* reply) {
  absl::Status sent = Send(request);
  if (!sent.ok()) return sent;
  return Receive(reply);
}

absl::Status BigTransfer::SendStream(const Msg& message) {
  uint64_t size = message.ByteSizeLong();
  buffer_.resize(sizeof size + size);
  std::memcpy(buffer_.data(), &size, sizeof size);
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&buffer_[sizeof size]));
  return WriteAll(fd_, buffer_.data(), buffer_.size(), kStreamWrite);
}

absl::Status BigTransfer::ReceiveStream(Msg* message) {
  uint64_t size = 0;
  absl::Status status = ReadAll(fd_, reinterpret_cast<char*>(&size), sizeof size);
  if (!status.ok()) return status;
  buffer_.resize(size);
  status = ReadAll(fd_, buffer_.data(), size);
  if (!status.ok()) return status;
  return Parse(buffer_.data(), size, message);
}

absl::Status BigTransfer::SendChunks(const Msg& message) {
  uint64_t size = message.ByteSizeLong();
  buffer_.resize(size);
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(buffer_.data()));
  if (send(fd_, &size, sizeof size, MSG_NOSIGNAL) < 0) return ErrnoError("send");
  for (size_t offset = 0; offset < size; offset += kChunkPacket) {
    size_t chunk = std::min<size_t>(kChunkPacket, size - offset);
    if (send(fd_, buffer_.data() + offset, chunk, MSG_NOSIGNAL) < 0) return ErrnoError("send");
  }
  return absl::OkStatus();
}

absl::Status BigTransfer::ReceiveChunks(Msg* message) {
  uint64_t size = 0;
  absl::Status status = ReceivePacket(fd_, &size, sizeof size);
  if (!status.ok()) return status;
  buffer_.resize(size);
  for (size_t offset = 0; offset < size && status.ok(); offset += kChunkPacket) {
    status = ReceivePacket(fd_, buffer_.data() + offset, std::min(kChunkPacket, size - offset));
  }
  if (!status.ok()) return status;
  return Parse(buffer_.data(), size, message);
}

absl::Status BigTransfer::SendMemfd(const Msg& message) {
  uint64_t size = message.ByteSizeLong();
  forkrpc::UniqueFd memfd(memfd_create("floor-message", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd.valid()) return ErrnoError("memfd_create");
  if (ftruncate(memfd.get(), size) != 0) return ErrnoError("ftruncate");
  if (size > 0) {
    void* map =
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, memfd.get(), 0);
    if (map == MAP_FAILED) return ErrnoError("mmap");
    message.SerializeWithCachedSizesToArray(static_cast<uint8_t*>(map));
    munmap(map, size);
  }
  if (fcntl(memfd.get(), F_ADD_SEALS, kRequiredSeals | F_SEAL_SEAL) != 0) {
    return ErrnoError("fcntl(F_ADD_SEALS)");
  }
  iovec data{&size, sizeof size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  cmsghdr* rights = CMSG_FIRSTHDR(&header);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof(int));
  int fd = memfd.get();
  std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
  if (sendmsg(fd_, &header, MSG_NOSIGNAL) < 0) return ErrnoError("sendmsg");
  return absl::OkStatus();
}

absl::Status BigTransfer::ReceiveMemfd(Msg* message) {
  uint64_t size = 0;
  iovec data{&size, sizeof size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  ssize_t n = recvmsg(fd_, &header, MSG_CMSG_CLOEXEC);
  if (n < 0) return ErrnoError("recvmsg");
  if (n == 0) return absl::UnavailableError("recvmsg: end of file");
  cmsghdr* rights = CMSG_FIRSTHDR(&header);
  if (n != sizeof size || rights == nullptr || rights->cmsg_type != SCM_RIGHTS) {
    return absl::DataLossError("recvmsg: no memfd with the length");
  }
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(rights), sizeof fd);
  forkrpc::UniqueFd memfd(fd);
  struct stat status;
  if ((fcntl(memfd.get(), F_GET_SEALS) & kRequiredSeals) != kRequiredSeals ||
      fstat(memfd.get(), &status) != 0 || static_cast<uint64_t>(status.st_size) < size) {
    return absl::DataLossError("memfd: not sealed, or shorter than announced");
  }
  if (size == 0) return Parse("", 0, message);
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, memfd.get(), 0);
  if (map == MAP_FAILED) return ErrnoError("mmap");
  absl::Status parsed = Parse(map, size, message);
  munmap(map, size);
  return parsed;
}

std::vector<LatencySamples> MeasureBigPaths(benchmark::State& state,
                                            std::vector<FloorChild>& children, const Msg& request) {
  std::vector<BigTransfer> transfers;
  for (size_t i = 0; i < children.size(); ++i) {
    transfers.emplace_back(kBigPaths[i], children[i].fd());
  }
  std::vector<LatencySamples> samples(transfers.size());
  Msg reply;
  for (BigTransfer& transfer : transfers) {  // grows and warms the buffers
    absl::Status status = transfer.RoundTrip(request, &reply);
    if (!status.ok()) {
      Fail(state, status);
      return samples;
    }
  }
  for (auto _ : state) {
    for (size_t i = 0; i < transfers.size(); ++i) {
      int64_t begin = NowNs();
      absl::Status status = transfers[i].RoundTrip(request, &reply);
      samples[i].Add(NowNs() - begin);
      if (!status.ok()) {
        Fail(state, status);
        return samples;
      }
    }
  }
  return samples;
}

size_t FastestPath(std::vector<LatencySamples>& samples) {
  size_t best = 0;
  for (size_t i = 1; i < samples.size(); ++i) {
    if (samples[i].PercentileUs(50) < samples[best].PercentileUs(50)) best = i;
  }
  return best;
}

}  // namespace forkrpc_bench
