// memory_benchmark: what helpers and channels cost in memory. Each case measures once.
//   uss_kib                 an idle helper's unique memory (USS: the pages no other
//                           process shares) after it has answered one call, beside the
//                           floor's bare child after one round trip;
//   parent_anon_growth_kib_per_100_channels
//                           how much the parent's anonymous memory grows when it opens
//                           100 channels, each to a helper of its own, and calls each
//                           once. Not USS: every fork shares the parent's pages with
//                           the new child, which takes them out of the parent's USS;
//   helper_anon_growth_kib, parent_anon_growth_kib (and _uss_ beside them)
//                           the change across a million calls (100,000 in a quick run)
//                           on one channel, after a warm-up, with both processes on
//                           one CPU to bound the run's time (process_memory.h says
//                           why growth is read from anonymous memory).
// gRPC's server children are forked first and its objects made last: after them, the
// program forks nothing.
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/grpc_peer.h"
#include "bench/measure.h"
#include "bench/placement.h"
#include "bench/process_memory.h"

namespace forkrpc_bench {
namespace {

constexpr int kChannels = 100;
const std::string kCase = "memory";

// The call count of the growth cases.
int64_t GrowthCalls() {
  switch (Mode()) {
    case RunMode::kFull:
      return 1000000;
    case RunMode::kQuick:
      return 100000;
    case RunMode::kSmoke:
      return 1000;
  }
  return 0;
}

// Sets `metric` to `pid`'s USS; false (and the case failed) if it cannot be read.
bool SetUss(benchmark::State& state, const char* metric, pid_t pid) {
  absl::StatusOr<ProcessMemory> memory = ReadProcessMemory(pid);
  if (!memory.ok()) {
    Fail(state, memory.status());
    return false;
  }
  state.counters[metric] = static_cast<double>(memory->uss_kib);
  return true;
}

// Runs `open` (which opens kChannels channels and keeps them until `close` runs) and
// sets the parent's anonymous memory growth over it.
void MeasureChannels(benchmark::State& state, const std::function<absl::Status()>& open,
                     const std::function<absl::Status()>& close) {
  for (auto _ : state) {
    absl::StatusOr<ProcessMemory> before = ReadProcessMemory(getpid());
    absl::Status status = before.status();
    if (status.ok()) status = open();
    absl::StatusOr<ProcessMemory> after = ReadProcessMemory(getpid());
    if (status.ok()) status = after.status();
    absl::Status closed = close();
    if (status.ok()) status = closed;
    if (!status.ok()) return Fail(state, status);
    state.counters["parent_anon_growth_kib_per_100_channels"] =
        static_cast<double>(after->anonymous_kib - before->anonymous_kib) * 100 / kChannels;
  }
}

void AddFloorCases(FloorChild& floor) {
  AddCase(
      kCase, "floor", {"uss_kib"},
      [&floor](benchmark::State& state) {
        FloorSocket socket(floor.fd());
        Msg request = MakeRequest(16);
        Msg reply;
        for (auto _ : state) {
          absl::Status status = socket.RoundTrip(request, &reply);
          if (!status.ok()) return Fail(state, status);
          if (!SetUss(state, "uss_kib", floor.pid())) return;
        }
      },
      0, "idle");
  auto children = std::make_shared<std::vector<FloorChild>>();
  AddCase(
      kCase, "floor", {"parent_anon_growth_kib_per_100_channels"},
      [children](benchmark::State& state) {
        MeasureChannels(
            state,
            [children] {
              Msg request = MakeRequest(16);
              Msg reply;
              for (int i = 0; i < kChannels; ++i) {
                absl::StatusOr<FloorChild> child = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
                if (!child.ok()) return child.status();
                FloorSocket socket(child->fd());
                absl::Status status = socket.RoundTrip(request, &reply);
                if (!status.ok()) return status;
                children->push_back(*std::move(child));
              }
              return absl::OkStatus();
            },
            [children] {
              absl::Status result;
              for (FloorChild& child : *children) result.Update(child.Stop());
              children->clear();
              return result;
            });
      },
      0, "channels");
}

void AddForkrpcCases(EchoHelper& helper, forkrpc::SocketType type) {
  AddCase(
      kCase, helper.impl, {"uss_kib"},
      [&helper](benchmark::State& state) {
        frpc::Echo::Stub stub(helper.child.channel());
        Msg request = MakeRequest(16);
        Msg reply;
        for (auto _ : state) {
          absl::Status status = EchoOnce(stub, request, &reply);
          if (!status.ok()) return Fail(state, status);
          if (!SetUss(state, "uss_kib", helper.child.pid())) return;
        }
      },
      0, "idle");
  auto helpers = std::make_shared<std::vector<forkrpc::Child>>();
  AddCase(
      kCase, helper.impl, {"parent_anon_growth_kib_per_100_channels"},
      [helpers, type](benchmark::State& state) {
        MeasureChannels(
            state,
            [helpers, type] {
              Msg request = MakeRequest(16);
              Msg reply;
              for (int i = 0; i < kChannels; ++i) {
                absl::StatusOr<forkrpc::Child> child = SpawnEchoHelper(type);
                if (!child.ok()) return child.status();
                frpc::Echo::Stub stub(child->channel());
                absl::Status status = EchoOnce(stub, request, &reply);
                if (!status.ok()) return status;
                helpers->push_back(*std::move(child));
              }
              return absl::OkStatus();
            },
            [helpers] {
              absl::Status result;
              for (forkrpc::Child& child : *helpers) result.Update(child.Wait().status());
              helpers->clear();
              return result;
            });
      },
      0, "channels");
  AddCase(
      kCase, helper.impl,
      {"helper_anon_growth_kib", "parent_anon_growth_kib", "helper_uss_growth_kib",
       "parent_uss_growth_kib"},
      [&helper](benchmark::State& state) {
        ScopedPlacement pinned(Placement::kSharedCpu, {helper.child.pid()});
        frpc::Echo::Stub stub(helper.child.channel());
        Msg request = MakeRequest(16);
        Msg reply;
        auto calls = [&](int64_t count) {
          for (int64_t i = 0; i < count; ++i) {
            absl::Status status = EchoOnce(stub, request, &reply);
            if (!status.ok()) return status;
          }
          return absl::OkStatus();
        };
        for (auto _ : state) {
          absl::Status status = calls(GrowthCalls() / 100);  // warm-up
          absl::StatusOr<ProcessMemory> helper_before = ReadProcessMemory(helper.child.pid());
          absl::StatusOr<ProcessMemory> parent_before = ReadProcessMemory(getpid());
          if (status.ok()) status = calls(GrowthCalls());
          absl::StatusOr<ProcessMemory> helper_after = ReadProcessMemory(helper.child.pid());
          absl::StatusOr<ProcessMemory> parent_after = ReadProcessMemory(getpid());
          for (const auto* read : {&helper_before, &parent_before, &helper_after, &parent_after}) {
            if (status.ok()) status = read->status();
          }
          if (!status.ok()) return Fail(state, status);
          auto set = [&](const char* metric, int64_t before, int64_t after) {
            state.counters[metric] = static_cast<double>(after - before);
          };
          set("helper_anon_growth_kib", helper_before->anonymous_kib, helper_after->anonymous_kib);
          set("parent_anon_growth_kib", parent_before->anonymous_kib, parent_after->anonymous_kib);
          set("helper_uss_growth_kib", helper_before->uss_kib, helper_after->uss_kib);
          set("parent_uss_growth_kib", parent_before->uss_kib, parent_after->uss_kib);
        }
      },
      0, "calls");
}

// gRPC: an idle server child after one call, and 100 channels to one server child that
// serves them all (a gRPC server takes any number of connections).
void AddGrpcCases(PeerServerChild& idle_server, PeerServerChild& many_server) {
  AddCase(
      kCase, "grpc", {"uss_kib"},
      [&idle_server](benchmark::State& state) {
        GrpcEchoClient client(idle_server.TakeClientEnd(0));
        Msg request = MakeRequest(16);
        Msg reply;
        for (auto _ : state) {
          absl::Status status = client.Unary(request, &reply);
          if (!status.ok()) return Fail(state, status);
          if (!SetUss(state, "uss_kib", idle_server.pid())) return;
        }
      },
      0, "idle");
  auto clients = std::make_shared<std::vector<std::unique_ptr<GrpcEchoClient>>>();
  AddCase(
      kCase, "grpc", {"parent_anon_growth_kib_per_100_channels"},
      [&many_server, clients](benchmark::State& state) {
        MeasureChannels(
            state,
            [&many_server, clients] {
              Msg request = MakeRequest(16);
              Msg reply;
              for (int i = 0; i < kChannels; ++i) {
                auto client = std::make_unique<GrpcEchoClient>(many_server.TakeClientEnd(i));
                absl::Status status = client->Unary(request, &reply);
                if (!status.ok()) return status;
                clients->push_back(std::move(client));
              }
              return absl::OkStatus();
            },
            [clients] {
              clients->clear();
              return absl::OkStatus();
            });
      },
      0, "channels");
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::optional<PeerServerChild> grpc_idle = ForkGrpcServerIfBuilt(1);
  std::optional<PeerServerChild> grpc_many;
  if (grpc_idle) grpc_many = ForkGrpcServerIfBuilt(kChannels);
  absl::StatusOr<FloorChild> floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(floor.status(), "fork the floor child");
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");

  AddFloorCases(*floor);
  for (size_t i = 0; i < helpers->size(); ++i) AddForkrpcCases((*helpers)[i], kSocketTypes[i]);
  // Last: once a gRPC object exists, nothing may fork.
  if (grpc_idle) AddGrpcCases(*grpc_idle, *grpc_many);
  int exit_code = RunBenchmarks();

  CheckSetup(floor->Stop(), "stop the floor child");
  CheckSetup(StopEchoHelpers(*helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
