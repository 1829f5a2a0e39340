// wait_cost: what the way a process waits for a packet adds to a round trip. A parent
// and a forked child ping-pong 24-byte packets over a SOCK_SEQPACKET socketpair, both
// waiting in one of these ways, each way in turn, round after round:
//   recv             a blocking recv(2), as the floor does;
//   recv_timeout     a blocking recv(2) under a 1 ms SO_RCVTIMEO: how forkrpc's readers
//                    wait while packets keep coming (Connection's receive slice), so
//                    that a wake-up or a dead peer's pidfd is never missed for long;
//   epoll_then_recv  epoll_wait(2) on the socket and an eventfd, then a non-blocking
//                    recv: how they wait once a slice has passed empty;
//   poll_then_recv   the same with poll(2).
// The kernel arms and cancels a timer for each wait under SO_RCVTIMEO; the other two
// cost a second system call per packet. Prints each way's round trip (the median over
// the rounds of each round's mean) and its difference from recv's.
//   build-bench/bench/wait_cost                # 100,000 round trips a round, 7 rounds
//   build-bench/bench/wait_cost --calls 20000 --rounds 3 --cpus 0,1
// Both processes run on CPU 0 unless --cpus places them: on one CPU each round trip
// is two context switches and the code between them, as in the benchmarks' headline
// rows.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/forked_process.h"
#include "bench/tool_support.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc_bench {
namespace {

enum class Way { kRecv, kRecvTimeout, kEpollThenRecv, kPollThenRecv };
constexpr Way kWays[] = {Way::kRecv, Way::kRecvTimeout, Way::kEpollThenRecv, Way::kPollThenRecv};

const char* WayName(Way way) {
  switch (way) {
    case Way::kRecv:
      return "recv";
    case Way::kRecvTimeout:
      return "recv_timeout";
    case Way::kEpollThenRecv:
      return "epoll_then_recv";
    case Way::kPollThenRecv:
      return "poll_then_recv";
  }
  return "?";
}

constexpr size_t kPacket = 24;  // about what a 16 B Echo request takes with its framing

// One end of the socketpair, receiving in one way. The eventfd stands for what a
// forkrpc reader also waits on (WakeReader); nothing writes it here.
class Receiver {
 public:
  Receiver(int socket, Way way) : socket_(socket), way_(way) {
    if (way == Way::kRecvTimeout) {
      timeval slice{0, 1000};
      if (::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice)) != 0) {
        Die("setsockopt(SO_RCVTIMEO) failed");
      }
    }
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_.valid()) Die("eventfd failed");
    if (way == Way::kEpollThenRecv) {
      epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
      if (!epoll_.valid()) Die("epoll_create1 failed");
      for (int fd : {socket, wake_.get()}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) Die("epoll_ctl failed");
      }
    }
  }

  // The next packet's size; 0 at end-of-file.
  ssize_t Receive(char* buffer, size_t capacity) {
    bool blocking = way_ == Way::kRecv || way_ == Way::kRecvTimeout;
    for (;;) {
      ssize_t got = ::recv(socket_, buffer, capacity, blocking ? 0 : MSG_DONTWAIT);
      if (got >= 0) return got;
      if (errno != EAGAIN && errno != EINTR) Die("recv failed");
      if (way_ == Way::kEpollThenRecv) {
        epoll_event events[2];
        ::epoll_wait(epoll_.get(), events, 2, -1);
      } else if (way_ == Way::kPollThenRecv) {
        pollfd fds[2] = {{socket_, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        ::poll(fds, 2, -1);
      }  // else the slice passed empty: receive again
    }
  }

 private:
  int socket_;
  Way way_;
  forkrpc::UniqueFd wake_;
  forkrpc::UniqueFd epoll_;
};

// The mean round trip, in microseconds, of `calls` round trips waiting in `way`.
double MeasureRound(Way way, int64_t calls, std::pair<int, int> cpus) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    Die("socketpair failed");
  }
  forkrpc::UniqueFd ours(ends[0]);
  forkrpc::UniqueFd theirs(ends[1]);
  absl::StatusOr<pid_t> child = ForkProcess({theirs.get()}, [&] {
    PinTo(cpus.second);
    Receiver receiver(theirs.get(), way);
    char buffer[256];
    for (;;) {
      ssize_t got = receiver.Receive(buffer, sizeof(buffer));
      if (got == 0) return;
      if (::send(theirs.get(), buffer, static_cast<size_t>(got), MSG_NOSIGNAL) < 0) {
        Die("send failed");
      }
    }
  });
  if (!child.ok()) Die(child.status().ToString());
  theirs.reset();
  Receiver receiver(ours.get(), way);
  char buffer[256] = {};
  absl::Time start = absl::Now();
  for (int64_t i = 0; i < calls; ++i) {
    if (::send(ours.get(), buffer, kPacket, MSG_NOSIGNAL) < 0) Die("send failed");
    if (receiver.Receive(buffer, sizeof(buffer)) != static_cast<ssize_t>(kPacket)) {
      Die("the child's answer is not the packet sent");
    }
  }
  double micros = absl::ToDoubleMicroseconds(absl::Now() - start) / static_cast<double>(calls);
  ours.reset();  // the child sees end-of-file and exits
  absl::Status reaped = Reap(*child);
  if (!reaped.ok()) Die(reaped.ToString());
  return micros;
}

int Main(int argc, char** argv) {
  int64_t calls = 100000;
  int64_t rounds = 7;
  std::pair<int, int> cpus = {0, 0};  // the parent's and the child's
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--calls" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &calls)) {
      ++i;
    } else if (arg == "--rounds" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &rounds)) {
      ++i;
    } else if (arg == "--cpus" && i + 1 < argc) {
      std::optional<std::pair<int, int>> pair = ParseCpuPair(argv[++i]);
      if (!pair.has_value()) Die("--cpus wants two CPU numbers: PARENT,CHILD");
      cpus = *pair;
    } else {
      Die("usage: wait_cost [--calls N] [--rounds R] [--cpus PARENT,CHILD]");
    }
  }
  if (calls <= 0 || rounds <= 0) Die("--calls and --rounds want positive numbers");
  PinTo(cpus.first);
  // Round after round, each way in turn, so that a change in the machine's load
  // touches every way alike.
  std::vector<std::vector<double>> means(std::size(kWays));
  for (int64_t round = 0; round < rounds; ++round) {
    for (size_t way = 0; way < std::size(kWays); ++way) {
      means[way].push_back(MeasureRound(kWays[way], calls, cpus));
    }
  }
  double recv_median = 0;
  std::printf("%-16s %12s %12s\n", "way", "round trip", "over recv");
  for (size_t way = 0; way < std::size(kWays); ++way) {
    std::vector<double>& mean = means[way];
    std::sort(mean.begin(), mean.end());
    double median = mean[mean.size() / 2];
    if (kWays[way] == Way::kRecv) recv_median = median;
    std::printf("%-16s %9.3f us %+9.3f us\n", WayName(kWays[way]), median, median - recv_median);
  }
  return 0;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
