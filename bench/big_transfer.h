// big_transfer.h: the hand-written ways a message too big for one packet can travel
// between two processes: the floor of the big-message cases and of the size sweep
// above the packet limit. The benchmarks measure each and take the fastest.
//   kStream        a SOCK_STREAM socketpair: an 8-byte length, then the serialized
//                  bytes in writes of at most 208 KiB;
//   kPacketChunks  a SOCK_SEQPACKET socketpair: an 8-byte length packet, then the
//                  bytes in packets of 212,960 B, the most a default socket buffer
//                  passes in one;
//   both with the send buffer forkrpc's connections ask for (2 MiB, capped by
//   net.core.wmem_max), so that several writes or packets are on their way at once;
//   kMemfd         a fresh memfd per message: serialized into its mapping, sealed,
//                  passed with SCM_RIGHTS; the receiver checks the seals and the size,
//                  maps it and parses from the mapping.
// Each end reuses its buffer and message objects.
//   absl::StatusOr<FloorChild> child = ForkBigEchoChild(BigPath::kStream);
//   BigTransfer transfer(BigPath::kStream, child->fd());
//   absl::Status status = transfer.RoundTrip(request, &reply);
#ifndef FORKRPC_BENCH_BIG_TRANSFER_H_
#define FORKRPC_BENCH_BIG_TRANSFER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.pb.h"
#include "bench/floor_child.h"
#include "bench/measure.h"
#include "benchmark/benchmark.h"

namespace forkrpc_bench {

enum class BigPath { kStream, kPacketChunks, kMemfd };

inline constexpr BigPath kBigPaths[] = {BigPath::kStream, BigPath::kPacketChunks, BigPath::kMemfd};

// "stream", "chunks" or "memfd", as metric names carry it.
const char* BigPathName(BigPath path);

// Forks a child that echoes each message it receives over `path`, until end-of-file.
absl::StatusOr<FloorChild> ForkBigEchoChild(BigPath path);

// ForkBigEchoChild for each of kBigPaths, in that order; appends each child's pid to
// `pids`.
absl::StatusOr<std::vector<FloorChild>> ForkBigEchoChildren(std::vector<pid_t>* pids);

// One end of a connection carrying whole Msgs over `path`. Thread-compatible.
class BigTransfer {
 public:
  BigTransfer(BigPath path, int fd) : path_(path), fd_(fd) {}

  absl::Status Send(const Msg& message);
  // UNAVAILABLE at end-of-file.
  absl::Status Receive(Msg* message);
  // Send, then Receive.
  absl::Status RoundTrip(const Msg& request, Msg* reply);

 private:
  absl::Status SendStream(const Msg& message);
  absl::Status ReceiveStream(Msg* message);
  absl::Status SendChunks(const Msg& message);
  absl::Status ReceiveChunks(Msg* message);
  absl::Status SendMemfd(const Msg& message);
  absl::Status ReceiveMemfd(Msg* message);

  BigPath path_;
  int fd_;
  std::string buffer_;
};

// The floor's measurement: one round trip of `request` over each of `children` (one
// per kBigPaths, in order) untimed, then, per iteration of `state`, one over each in
// turn, so the paths share the machine's moods. Returns each path's round-trip times;
// the first error fails the case.
std::vector<LatencySamples> MeasureBigPaths(benchmark::State& state,
                                            std::vector<FloorChild>& children, const Msg& request);

// The index of the samples with the lowest median.
size_t FastestPath(std::vector<LatencySamples>& samples);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_BIG_TRANSFER_H_
