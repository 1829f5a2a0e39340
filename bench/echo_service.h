// echo_service.h: forkrpc's side of every case: the Echo service as a helper serves it,
// and how the benchmarks spawn such helpers.
//   absl::StatusOr<forkrpc::Child> helper = SpawnEchoHelper(forkrpc::SocketType::kSeqPacket);
//   forkrpc_bench::frpc::Echo::Stub echo(helper->channel());
#ifndef FORKRPC_BENCH_ECHO_SERVICE_H_
#define FORKRPC_BENCH_ECHO_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench.forkrpc.h"
#include "forkrpc/forkrpc.h"

namespace forkrpc_bench {

// Echo as a user would write it: Unary answers with a copy of the request, Flood
// writes the messages asked for, PingPong writes back each message it reads.
class EchoService final : public frpc::Echo::Service {
 public:
  absl::Status Unary(forkrpc::ServerContext& context, const Msg& request, Msg* reply) override;
  absl::Status Flood(forkrpc::ServerContext& context, const FloodRequest& request,
                     forkrpc::ServerWriter<Msg>& writer) override;
  absl::Status PingPong(forkrpc::ServerContext& context,
                        forkrpc::ServerReaderWriter<Msg, Msg>& stream) override;
};

// Spawns a helper serving EchoService over a socketpair of `type`.
absl::StatusOr<forkrpc::Child> SpawnEchoHelper(forkrpc::SocketType type);

// The implementation's name in records: "forkrpc_seqpacket" or "forkrpc_dgram".
std::string ImplName(forkrpc::SocketType type);

// Both socket types, SEQPACKET first: the forkrpc columns.
inline constexpr forkrpc::SocketType kSocketTypes[] = {forkrpc::SocketType::kSeqPacket,
                                                       forkrpc::SocketType::kDatagram};

// An Echo helper and what the records call it.
struct EchoHelper {
  std::string impl;
  forkrpc::Child child;
};

// One Echo helper per socket type, in kSocketTypes' order.
absl::StatusOr<std::vector<EchoHelper>> SpawnEchoHelpers();

// Closes each helper's channel and reaps it; the first failure, if any.
absl::Status StopEchoHelpers(std::vector<EchoHelper>& helpers);

// A Msg with id 1 and `payload_size` bytes of payload: what every case sends, to the
// floor, forkrpc and gRPC alike.
Msg MakeRequest(size_t payload_size);

// One unary Echo call with a context of its own.
absl::Status EchoOnce(frpc::Echo::Stub& stub, const Msg& request, Msg* reply);

}  // namespace forkrpc_bench

#endif  // FORKRPC_BENCH_ECHO_SERVICE_H_
