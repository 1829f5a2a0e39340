// channel.h: the client's end of a connection, which generated stubs call. Channel is
// an interface: Channel::Create gives the socketpair implementation, and other
// transports (a worker pool, a bridge to gRPC) implement the same calls, so a stub
// never depends on how its calls travel.
//   auto channel = forkrpc::Channel::Create(std::move(socket));
//   if (!channel.ok()) return channel.status();
//   demo::Calc::Stub calc(*channel);
#ifndef FORKRPC_CHANNEL_H_
#define FORKRPC_CHANNEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forkrpc/client_context.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/rpc_method.h"
#include "forkrpc/unique_fd.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc {

// The largest message size limit: protobuf parses at most INT_MAX bytes.
inline constexpr int64_t kMaxMessageSizeLimit = 2147483647;
// The message size limit unless set: 128 MiB.
inline constexpr int64_t kDefaultMaxMessageSize = int64_t{128} << 20;
// A memfd_threshold that no message reaches.
inline constexpr int64_t kNoMemfdThreshold = INT64_MAX;
// How long a thread waiting for a packet polls the socket before it sleeps, unless set
// (ChannelOptions::busy_poll), and the most it may be set to.
inline constexpr absl::Duration kDefaultBusyPoll = absl::Microseconds(50);
inline constexpr absl::Duration kMaxBusyPoll = absl::Milliseconds(1);

struct ChannelOptions {
  // The timeout of calls whose context sets no deadline, including the context-free
  // form of unary stubs. None by default: such calls wait as long as the helper lives.
  std::optional<absl::Duration> default_timeout;
  // The largest serialized message this side sends or accepts, in bytes; at most
  // kMaxMessageSizeLimit. Larger ones fail with RESOURCE_EXHAUSTED.
  int64_t max_message_size = kDefaultMaxMessageSize;
  // Messages of at least this many serialized bytes that do not fit one packet travel
  // in a sealed memfd rather than in chunks over the socket. By default none do: fresh
  // memfd pages cost more than the copies they save (docs/performance.md).
  int64_t memfd_threshold = kNoMemfdThreshold;
  // How long a thread waiting for a packet (a reply, a stream message) polls the socket
  // before it sleeps. A helper running on another CPU answers within microseconds, while
  // waking a thread that slept waits for its CPU to wake too, which where the CPU went
  // idle costs tens of microseconds each way; polling keeps such round trips several
  // times shorter, for the CPU time it spins. Polls that do not pay (a helper sharing
  // this CPU, or answering slowly) make the next ones rarer, down to one wait in 4096,
  // so what polling costs where it cannot help stays small. Zero never polls; at most
  // kMaxBusyPoll, else INVALID_ARGUMENT.
  absl::Duration busy_poll = kDefaultBusyPoll;
  // How a dead peer is named in statuses; Spawn sets it to the helper's name and pid.
  std::string peer_name;
};

// Thread-safe: any number of calls may be in flight from any number of threads.
class Channel {
 public:
  // A channel over one end of a connected socketpair (socket_pair.h). Fails with
  // INVALID_ARGUMENT if `socket` is not such a socket or the options are out of range.
  static absl::StatusOr<std::shared_ptr<Channel>> Create(UniqueFd socket,
                                                         ChannelOptions options = {});

  virtual ~Channel() = default;

  // A unary call: blocks until it ends and returns its status; `response` holds the
  // answer when the status is OK.
  virtual absl::Status Call(const RpcMethod& method, ClientContext& context,
                            const google::protobuf::MessageLite& request,
                            google::protobuf::MessageLite* response) = 0;

  // A unary call that returns at once and runs `done` with its status when it ends, on
  // a runtime thread, never inside this call. `context`, `request` and `response` must
  // outlive `done`; `done` must not block.
  virtual void CallAsync(const RpcMethod& method, ClientContext& context,
                         const google::protobuf::MessageLite& request,
                         google::protobuf::MessageLite* response,
                         absl::AnyInvocable<void(absl::Status)> done) = 0;

  // Starts a streaming call. For server streaming, `request` is the one request, sent
  // with the start; for client streaming, `response` receives the one response when
  // Finish returns OK. Both are null for bidi streaming. `context`, `request` and
  // `response` must outlive the stream's Finish. Never null: a call that cannot start
  // reports why from Finish.
  virtual std::unique_ptr<GenericClientStream> StartStream(
      const RpcMethod& method, ClientContext& context, const google::protobuf::MessageLite* request,
      google::protobuf::MessageLite* response) = 0;

  // Ends the connection: calls in flight fail with UNAVAILABLE, later calls too.
  virtual void Close() = 0;

  // The options the channel was created with.
  virtual const ChannelOptions& options() const = 0;
};

}  // namespace forkrpc

#endif  // FORKRPC_CHANNEL_H_
