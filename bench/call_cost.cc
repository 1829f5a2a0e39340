// call_cost: makes N echo calls of 16 B from this process to a forked helper, for
// bench/count-instructions.sh to count what they cost in instructions under callgrind.
// Not a timing benchmark: under valgrind every process runs some fifty times slower.
//   call_cost --calls N [--async] [--datagram] [--percentiles] [--payload BYTES]
//             [--cpus CALLER,HELPER] [--bare-helper]
// --async keeps 64 calls in flight with the async API, each restarted from its
// completion by the 64-in-flight benchmark's AsyncWindow; otherwise one synchronous
// call at a time. --percentiles (synchronous calls, outside valgrind) times each call
// and prints percentiles of the round trip, up to the 99.9th, to see the tail:
//   taskset -c 0 build-bench/bench/call_cost --calls 200000 --percentiles
// --payload sets the request's size; --cpus pins the caller and the helper to one CPU
// each, so that a profile or `perf stat` sees what crossing between CPUs costs one kind
// of call. The helper is a plain fork serving on a socketpair, not Spawn: valgrind does
// not know pidfd_open. Prints the helper's pid, so that its counts can be told from the
// caller's. --bare-helper (synchronous calls) replaces the helper's forkrpc server with
// a loop written against the wire format (bare_helper.h), so that what a call costs the
// caller's side shows apart from what it costs the server's:
//   build-bench/bench/call_cost --calls 100000 --percentiles --cpus 0,0 --bare-helper
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/async_window.h"
#include "bench/bare_helper.h"
#include "bench/echo_service.h"
#include "bench/tool_support.h"

namespace forkrpc_bench {
namespace {

constexpr int kWindow = 64;

void CallOneByOne(frpc::Echo::Stub& stub, int64_t calls, size_t payload, bool percentiles) {
  Msg request = MakeRequest(payload);
  Msg reply;
  std::vector<double> micros;
  if (percentiles) micros.reserve(calls);
  for (int64_t i = 0; i < calls; ++i) {
    absl::Time start = percentiles ? absl::Now() : absl::InfinitePast();
    absl::Status status = EchoOnce(stub, request, &reply);
    if (!status.ok()) Die(status.ToString());
    if (percentiles) micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
  if (!percentiles) return;
  std::sort(micros.begin(), micros.end());
  for (double rank : {50.0, 90.0, 99.0, 99.5, 99.9}) {
    size_t at = static_cast<size_t>(rank / 100 * static_cast<double>(micros.size() - 1));
    std::printf("p%g %.2f us\n", rank, micros[at]);
  }
}

int Main(int argc, char** argv) {
  int64_t calls = 0;
  bool async = false;
  bool percentiles = false;
  bool bare_helper = false;
  int64_t payload = 16;
  std::optional<std::pair<int, int>> cpus;  // the caller's and the helper's, when pinned
  forkrpc::SocketType type = forkrpc::SocketType::kSeqPacket;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--async") {
      async = true;
    } else if (arg == "--percentiles") {
      percentiles = true;
    } else if (arg == "--bare-helper") {
      bare_helper = true;
    } else if (arg == "--datagram") {
      type = forkrpc::SocketType::kDatagram;
    } else if (arg == "--calls" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &calls)) {
      ++i;
    } else if (arg == "--payload" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &payload)) {
      ++i;
    } else if (arg == "--cpus" && i + 1 < argc) {
      cpus = ParseCpuPair(argv[++i]);
      if (!cpus.has_value()) Die("--cpus wants two CPU numbers: CALLER,HELPER");
    } else {
      Die("usage: call_cost --calls N [--async] [--datagram] [--percentiles] "
          "[--payload BYTES] [--cpus CALLER,HELPER] [--bare-helper]");
    }
  }
  if (calls <= 0) Die("--calls wants a positive number");
  // The async calls may share packets (BATCH frames), which the bare helper does not take.
  if (bare_helper && async) Die("--bare-helper answers synchronous calls only");
  if (payload < 0) Die("--payload wants a size in bytes");
  // As the benchmarks do: Debian's Abseil checks every lock for deadlock cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::StatusOr<std::pair<forkrpc::UniqueFd, forkrpc::UniqueFd>> ends = forkrpc::SocketPair(type);
  if (!ends.ok()) Die(ends.status().ToString());
  pid_t helper = ::fork();
  if (helper < 0) Die("fork failed");
  if (helper == 0) {
    ends->first.reset();
    if (cpus.has_value()) PinTo(cpus->second);
    if (bare_helper) {
      absl::Status served = ServeBare(std::move(ends->second));
      if (!served.ok()) std::fprintf(stderr, "call_cost: %s\n", served.ToString().c_str());
      ::_exit(served.ok() ? 0 : 1);
    }
    EchoService service;
    forkrpc::Server server;
    server.Register(&service);
    absl::Status served = server.Serve(std::move(ends->second));
    ::_exit(served.ok() ? 0 : 1);
  }
  ends->second.reset();
  if (cpus.has_value()) PinTo(cpus->first);
  std::printf("helper pid %d\n", static_cast<int>(helper));
  std::fflush(stdout);
  {
    absl::StatusOr<std::shared_ptr<forkrpc::Channel>> channel =
        forkrpc::Channel::Create(std::move(ends->first));
    if (!channel.ok()) Die(channel.status().ToString());
    frpc::Echo::Stub stub(*std::move(channel));
    if (async) {
      Msg request = MakeRequest(static_cast<size_t>(payload));
      absl::Status status = AsyncWindow(stub, request, kWindow).Run(calls);
      if (!status.ok()) Die(status.ToString());
    } else {
      CallOneByOne(stub, calls, static_cast<size_t>(payload), percentiles);
    }
  }  // the channel closes here, and the helper's Serve returns
  int status = 0;
  if (::waitpid(helper, &status, 0) != helper || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("the helper did not exit cleanly");
  }
  return 0;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
