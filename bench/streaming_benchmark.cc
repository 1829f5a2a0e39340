// streaming_benchmark: streams of 16 B messages.
//   server_stream_16B  one call streams many messages to the client: msgs/s. The floor
//                      is a raw one-way flood: the child sends serialized messages as
//                      fast as it can, the parent receives and parses them.
//                      Cap'n Proto, which streams by calls back to the client, pushes
//                      them to a sink the client passes.
//   bidi_16B           ping-pong on one open stream: p50, p99 and round trips/s. The
//                      floor is the raw round trip. Cap'n Proto has no such stream.
// Each with the processes on one CPU (the headline metrics), on two (_cross), and where
// the scheduler puts them (_unpinned).
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_main.h"
#include "bench/echo_service.h"
#include "bench/floor_child.h"
#include "bench/measure.h"
#include "bench/peers.h"
#include "bench/placement.h"

namespace forkrpc_bench {
namespace {

constexpr uint32_t kPayloadSize = 16;

// Reads a whole Flood call; INTERNAL if it brought fewer messages than asked for.
absl::Status ForkrpcFlood(frpc::Echo::Stub& stub, const FloodRequest& request) {
  forkrpc::ClientContext context;
  std::unique_ptr<forkrpc::ClientReader<Msg>> reader = stub.Flood(context, request);
  Msg message;
  uint64_t received = 0;
  while (reader->Read(&message)) ++received;
  absl::Status status = reader->Finish();
  if (status.ok() && received != request.count()) {
    return absl::InternalError(
        absl::StrCat("flood of ", request.count(), " brought ", received, " messages"));
  }
  return status;
}

struct Peers {
  FloorChild flood_floor;
  FloorChild echo_floor;
  std::vector<EchoHelper> helpers;
  std::vector<PeerColumn> peer_columns;
};

void AddServerStreamCases(Peers& peers) {
  const std::string case_name = "server_stream_16B";
  const std::vector<std::string> metrics = {"msgs_per_s"};
  FloodRequest flood;
  flood.set_count(PerIteration(20000, 100));
  flood.set_payload_size(kPayloadSize);
  for (Placement placement : kPlacements) {
    AddPlacedCase(placement, case_name, "floor", metrics, {peers.flood_floor.pid()},
                  [&peers, flood](benchmark::State& state, const std::string& suffix) {
                    FloorSocket socket(peers.flood_floor.fd());
                    MeasureRate(state, "msgs_per_s" + suffix, flood.count(),
                                [&] { return socket.Flood(flood); });
                  });
    for (EchoHelper& helper : peers.helpers) {
      AddPlacedCase(placement, case_name, helper.impl, metrics, {helper.child.pid()},
                    [&helper, flood](benchmark::State& state, const std::string& suffix) {
                      frpc::Echo::Stub stub(helper.child.channel());
                      MeasureRate(state, "msgs_per_s" + suffix, flood.count(),
                                  [&] { return ForkrpcFlood(stub, flood); });
                    });
    }
    for (PeerColumn& peer : peers.peer_columns) {
      AddPlacedCase(placement, case_name, peer.impl, metrics, {peer.server.pid()},
                    [&peer, flood](benchmark::State& state, const std::string& suffix) {
                      MeasureRate(state, "msgs_per_s" + suffix, flood.count(),
                                  [&] { return peer.client->Flood(flood); });
                    });
    }
  }
}

// One forkrpc PingPong stream, open for the life of the object.
class ForkrpcPingPong {
 public:
  explicit ForkrpcPingPong(const std::shared_ptr<forkrpc::Channel>& channel)
      : stub_(channel), stream_(stub_.PingPong(context_)) {}

  absl::Status RoundTrip(const Msg& request, Msg* reply) {
    if (stream_->Write(request) && stream_->Read(reply)) return absl::OkStatus();
    return Finish();
  }

  absl::Status Finish() {
    stream_->WritesDone();
    return stream_->Finish();
  }

 private:
  frpc::Echo::Stub stub_;
  forkrpc::ClientContext context_;
  std::unique_ptr<forkrpc::ClientReaderWriter<Msg, Msg>> stream_;
};

// Times each round trip of `stream` (a ForkrpcPingPong or a peer's PingPong),
// then finishes it.
template <class Stream>
void MeasurePingPong(benchmark::State& state, const std::string& suffix, Stream& stream) {
  Msg request = MakeRequest(kPayloadSize);
  Msg reply;
  MeasureEach(state, "round_trips_per_s", suffix,
              [&] { return stream.RoundTrip(request, &reply); });
  absl::Status finished = stream.Finish();
  if (!finished.ok() && !state.error_occurred()) Fail(state, finished);
}

void AddBidiCases(Peers& peers) {
  const std::string case_name = "bidi_16B";
  const std::vector<std::string> metrics = {"p50_us", "p99_us", "round_trips_per_s"};
  for (Placement placement : kPlacements) {
    AddPlacedCase(placement, case_name, "floor", metrics, {peers.echo_floor.pid()},
                  [&peers](benchmark::State& state, const std::string& suffix) {
                    FloorSocket socket(peers.echo_floor.fd());
                    Msg request = MakeRequest(kPayloadSize);
                    Msg reply;
                    MeasureEach(state, "round_trips_per_s", suffix,
                                [&] { return socket.RoundTrip(request, &reply); });
                  });
    for (EchoHelper& helper : peers.helpers) {
      AddPlacedCase(placement, case_name, helper.impl, metrics, {helper.child.pid()},
                    [&helper](benchmark::State& state, const std::string& suffix) {
                      ForkrpcPingPong stream(helper.child.channel());
                      MeasurePingPong(state, suffix, stream);
                    });
    }
    for (PeerColumn& peer : peers.peer_columns) {
      if (!peer.client->HasPingPong()) continue;
      AddPlacedCase(placement, case_name, peer.impl, metrics, {peer.server.pid()},
                    [&peer](benchmark::State& state, const std::string& suffix) {
                      std::unique_ptr<PeerEchoClient::PingPong> stream =
                          peer.client->OpenPingPong();
                      MeasurePingPong(state, suffix, *stream);
                    });
    }
  }
}

int Main(int argc, char** argv) {
  InitBenchmarks(&argc, argv);
  std::vector<PeerColumn> peer_columns = ForkPeerServers();
  absl::StatusOr<FloorChild> flood_floor = FloorChild::Fork(SOCK_SEQPACKET, ServeFlood);
  CheckSetup(flood_floor.status(), "fork the flooding floor child");
  absl::StatusOr<FloorChild> echo_floor = FloorChild::Fork(SOCK_SEQPACKET, ServeEcho);
  CheckSetup(echo_floor.status(), "fork the echoing floor child");
  absl::StatusOr<std::vector<EchoHelper>> helpers = SpawnEchoHelpers();
  CheckSetup(helpers.status(), "spawn the forkrpc helpers");
  ConnectPeers(peer_columns);
  Peers peers{*std::move(flood_floor), *std::move(echo_floor), *std::move(helpers),
              std::move(peer_columns)};

  AddServerStreamCases(peers);
  AddBidiCases(peers);
  int exit_code = RunBenchmarks();

  CheckSetup(peers.flood_floor.Stop(), "stop the flooding floor child");
  CheckSetup(peers.echo_floor.Stop(), "stop the echoing floor child");
  CheckSetup(StopEchoHelpers(peers.helpers), "stop the forkrpc helpers");
  return exit_code;
}

}  // namespace
}  // namespace forkrpc_bench

int main(int argc, char** argv) { return forkrpc_bench::Main(argc, argv); }
