#include "bench/placement.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"

namespace forkrpc_bench {
namespace {

// The CPUs this process may use, as it started.
const cpu_set_t& StartingCpus() {
  static const cpu_set_t cpus = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    return set;
  }();
  return cpus;
}

// The `index`th CPU of StartingCpus(), or the last one if there are fewer.
cpu_set_t OneCpu(int index) {
  int chosen = -1;
  for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &StartingCpus())) continue;
    chosen = cpu;
    if (seen++ == index) break;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(chosen, &set);
  return set;
}

// Sets the CPUs of every thread of `pid`; those of a process gone meanwhile are
// left, as are threads that end during the walk.
void SetProcessCpus(pid_t pid, const cpu_set_t& cpus) {
  std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    pid_t tid = 0;
    if (absl::SimpleAtoi(entry->d_name, &tid)) sched_setaffinity(tid, sizeof cpus, &cpus);
  }
  closedir(dir);
}

}  // namespace

const char* PlacementSuffix(Placement placement) {
  switch (placement) {
    case Placement::kSharedCpu:
      return "";
    case Placement::kSplitCpus:
      return "_cross";
    case Placement::kUnpinned:
      return "_unpinned";
  }
  return "?";
}

const char* PlacementName(Placement placement) {
  switch (placement) {
    case Placement::kSharedCpu:
      return "shared_cpu";
    case Placement::kSplitCpus:
      return "cross_cpu";
    case Placement::kUnpinned:
      return "unpinned";
  }
  return "?";
}

ScopedPlacement::ScopedPlacement(Placement placement, std::vector<pid_t> peers)
    : peers_(std::move(peers)) {
  if (placement == Placement::kUnpinned) return;
  pinned_ = true;
  cpu_set_t ours = OneCpu(0);
  cpu_set_t theirs = placement == Placement::kSplitCpus ? OneCpu(1) : ours;
  SetProcessCpus(getpid(), ours);
  for (pid_t peer : peers_) SetProcessCpus(peer, theirs);
}

ScopedPlacement::~ScopedPlacement() {
  if (!pinned_) return;
  SetProcessCpus(getpid(), StartingCpus());
  for (pid_t peer : peers_) SetProcessCpus(peer, StartingCpus());
}

benchmark::internal::Benchmark* AddPlacedCase(Placement placement, const std::string& case_name,
                                              const std::string& impl,
                                              const std::vector<std::string>& metrics,
                                              std::vector<pid_t> peers, PlacedCaseFunction run,
                                              double weight) {
  std::string suffix = PlacementSuffix(placement);
  auto pinned_run = [placement, peers = std::move(peers), run = std::move(run),
                     suffix](benchmark::State& state) {
    ScopedPlacement pinned(placement, peers);
    run(state, suffix);
  };
  return AddCase(case_name, impl, WithSuffix(metrics, suffix), std::move(pinned_run), weight,
                 PlacementName(placement));
}

}  // namespace forkrpc_bench
