// spawn_benchmark: from nothing to a helper's first reply, and the helper reaped: p50
// and p99. The floor is a bare fork: socketpair, fork, one round trip with the child
// (which parses and answers, then exits at end-of-file), close, waitpid.
// forkrpc_spawn is Spawn, one Unary call, Wait; forkrpc_spawn_exec the same with
// SpawnExec running bench/echo_helper, a program that serves Echo through
// ServeInherited (so it pays for the exec and the program's dynamic linking and
// start-up). `spawn` runs from this process as it is; `spawn_parent_1GiB` while it
// holds 1 GiB of touched memory, which every fork has to map into the child (SpawnExec's
// clone shares it instead). Each with everything on one CPU (the headline) and where
// the scheduler puts it (_unpinned).
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/forked_process.h"
#include "bench/measure.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

const std::vector<std::string> kMetrics = {"p50_us", "p99_us"};

absl::Status BareForkRoundTrip(const Msg& request, Msg* reply) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    return ErrnoError("socketpair");
  }
  pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    close(ends[0]);
    ServeEcho(ends[1]);
    _exit(0);
  }
  close(ends[1]);
  FloorSocket socket(ends[0]);
  absl::Status status = socket.RoundTrip(request, reply);
  close(ends[0]);
  absl::Status reaped = Reap(pid);
  return status.ok() ? reaped : status;
}

// One Echo call to a helper just started, then Wait: OK if both went well.
absl::Status FirstReplyAndWait(absl::StatusOr<forkrpc::Child> helper, const Msg& request,
                               Msg* reply) {
  if (!helper.ok()) return helper.status();
  frpc::Echo::Stub stub(helper->channel());
  absl::Status status = EchoOnce(stub, request, reply);
  absl::StatusOr<forkrpc::ExitStatus> end = helper->Wait();
  if (!status.ok()) return status;
  if (!end.ok()) return end.status();
  if (!end->success()) return absl::InternalError("helper " + end->ToString());
  return absl::OkStatus();
}

absl::Status SpawnRoundTrip(const Msg& request, Msg* reply) {
  return FirstReplyAndWait(SpawnEchoHelper(forkrpc::SocketType::kSeqPacket), request, reply);
}

absl::Status SpawnExecRoundTrip(const Msg& request, Msg* reply) {
  forkrpc::SpawnOptions options;
  options.name = "echo";
  return FirstReplyAndWait(forkrpc::SpawnExec({FORKRPC_BENCH_ECHO_HELPER}, std::move(options)),
                           request, reply);
}

// Memory this process holds while a case runs: `size` bytes, every page touched.
class ResidentBallast {
 public:
  explicit ResidentBallast(size_t size) : size_(size) {
    if (size == 0) return;
    void* map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return;
    data_ = static_cast<char*>(map);
    std::memset(data_, 1, size_);
  }
  ~ResidentBallast() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  bool ok() const { return size_ == 0 || data_ != nullptr; }

 private:
  size_t size_;
  char* data_ = nullptr;
};

template <absl::Status (*kRoundTrip)(const Msg&, Msg*)>
void RunSpawn(benchmark::State& state, const std::string& suffix, size_t ballast_size) {
  ResidentBallast ballast(ballast_size);
  if (!ballast.ok()) return Fail(state, ErrnoError("mmap ballast"));
  Msg request = MakeRequest(16);
  Msg reply;
  MeasureEach(state, "", suffix, [&] { return kRoundTrip(request, &reply); });
}

// Children start where this process runs, so pinning it places them too.
void AddSpawnCases(const std::string& case_name, size_t ballast_size) {
  for (Placement placement : kSharedAndUnpinned) {
    AddPlacedCase(placement, case_name, "floor", kMetrics, {},
                  [ballast_size](benchmark::State& state, const std::string& suffix) {
                    RunSpawn<BareForkRoundTrip>(state, suffix, ballast_size);
                  });
    AddPlacedCase(placement, case_name, "forkrpc_spawn", kMetrics, {},
                  [ballast_size](benchmark::State& state, const std::string& suffix) {
                    RunSpawn<SpawnRoundTrip>(state, suffix, ballast_size);
                  });
    AddPlacedCase(placement, case_name, "forkrpc_spawn_exec", kMetrics, {},
                  [ballast_size](benchmark::State& state, const std::string& suffix) {
                    RunSpawn<SpawnExecRoundTrip>(state, suffix, ballast_size);
                  });
  }
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  AddSpawnCases("spawn", 0);
  AddSpawnCases("spawn_parent_1GiB", size_t{1} << 30);
  return RunBenchmarks();
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
