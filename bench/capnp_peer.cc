#include "bench/capnp_peer.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench.capnp.h"
#include "capnp/rpc-twoparty.h"
#include "kj/async-io.h"

namespace forkrpc_bench {
namespace {

using capnp::rpc::twoparty::Side;
using capnp::rpc::twoparty::VatId;

constexpr uint kSocketFlags =
    kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP | kj::LowLevelAsyncIoProvider::ALREADY_CLOEXEC;

// Messages of any size the benchmarks send, both ways, as the other columns allow: by
// default a two-party network neither sends nor accepts a message of 64 MiB or more.
capnp::ReaderOptions AnySize() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = uint64_t{1} << 32;  // 32 GiB
  return options;
}

// A two-party network over a socket it takes, with the limit of AnySize; the RPC
// system that serves or calls over it is made on it.
struct TwoPartyConnection {
  TwoPartyConnection(kj::AsyncIoContext& io, int socket, Side side)
      : stream(io.lowLevelProvider->wrapSocketFd(socket, kSocketFlags)),
        network(*stream, side, AnySize()) {}

  kj::Own<kj::AsyncIoStream> stream;
  capnp::TwoPartyVatNetwork network;
};

absl::Status FromKj(const kj::Exception& exception) {
  std::string what = exception.getDescription().cStr();
  // The RPC layer refuses to send a message over its single-message limit, the
  // network's traversal limit (AnySize's).
  if (absl::StrContains(what, "single-message size limit")) {
    return absl::ResourceExhaustedError(absl::StrCat("capnp: ", what));
  }
  return absl::InternalError(absl::StrCat("capnp: ", what));
}

// Room for a Msg of `payload_size` bytes in one segment.
capnp::MessageSize MsgSize(size_t payload_size) {
  return capnp::MessageSize{payload_size / sizeof(capnp::word) + 16, 0};
}

// Copies a protobuf Msg into a Cap'n Proto one as it is built, and back.
void CopyIn(const Msg& from, cp::Msg::Builder to) {
  to.setId(from.id());
  to.setPayload(kj::arrayPtr(reinterpret_cast<const kj::byte*>(from.payload().data()),
                             from.payload().size()));
}

void CopyOut(cp::Msg::Reader from, Msg* to) {
  to->set_id(from.getId());
  capnp::Data::Reader payload = from.getPayload();
  to->set_payload(payload.begin(), payload.size());
}

// Pushes messages `next` up to `count` of `size` bytes to `sink`, each when flow
// control allows, then waits for their delivery with a call to done.
kj::Promise<void> PushFrom(cp::Sink::Client sink, uint64_t next, uint64_t count, uint32_t size) {
  if (next == count) return sink.doneRequest().send().ignoreResult();
  auto push = sink.pushRequest(MsgSize(size));
  cp::Msg::Builder message = push.initMsg();
  message.setId(next);
  capnp::Data::Builder payload = message.initPayload(size);
  std::memset(payload.begin(), 'x', payload.size());
  return push.send().then([sink = kj::mv(sink), next, count, size]() mutable {
    return PushFrom(kj::mv(sink), next + 1, count, size);
  });
}

// Echo as a Cap'n Proto user would write it; the same behaviour as EchoService.
class CapnpEcho final : public cp::Echo::Server {
 protected:
  kj::Promise<void> unary(UnaryContext context) override {
    cp::Msg::Reader request = context.getParams().getMsg();
    context.getResults(MsgSize(request.getPayload().size())).setMsg(request);
    return kj::READY_NOW;
  }

  kj::Promise<void> flood(FloodContext context) override {
    auto params = context.getParams();
    return PushFrom(params.getSink(), 0, params.getCount(), params.getPayloadSize());
  }
};

// The client's end of a flood: counts what arrives.
class CountingSink final : public cp::Sink::Server {
 public:
  uint64_t received() const { return received_; }

 protected:
  kj::Promise<void> push(PushContext context) override {
    ++received_;
    return kj::READY_NOW;
  }
  kj::Promise<void> done(DoneContext context) override { return kj::READY_NOW; }

 private:
  uint64_t received_ = 0;
};

// The child's whole life: serve every connection until killed.
void ServeCapnp(const std::vector<int>& sockets) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  capnp::Capability::Client echo = kj::heap<CapnpEcho>();
  std::vector<std::unique_ptr<TwoPartyConnection>> connections;
  std::vector<capnp::RpcSystem<VatId>> servers;
  for (int socket : sockets) {
    connections.push_back(std::make_unique<TwoPartyConnection>(io, socket, Side::SERVER));
    servers.push_back(capnp::makeRpcServer(connections.back()->network, echo));
  }
  kj::NEVER_DONE.wait(io.waitScope);
}

}  // namespace

bool CapnpBuilt() { return true; }

absl::StatusOr<PeerServerChild> ForkCapnpServer(int connections) {
  return PeerServerChild::Fork(connections, ServeCapnp);
}

struct CapnpEchoClient::Impl {
  explicit Impl(int fd)
      : io(kj::setupAsyncIo()),
        connection(io, fd, Side::CLIENT),
        rpc(capnp::makeRpcClient(connection.network)),
        echo(Bootstrap(rpc)) {}

  static cp::Echo::Client Bootstrap(capnp::RpcSystem<VatId>& rpc) {
    capnp::MallocMessageBuilder message;
    VatId::Builder server = message.initRoot<VatId>();
    server.setSide(Side::SERVER);
    return rpc.bootstrap(server).castAs<cp::Echo>();
  }

  // A request for `message`, copied in.
  capnp::Request<cp::Echo::UnaryParams, cp::Echo::UnaryResults> UnaryRequest(const Msg& message) {
    auto request = echo.unaryRequest(MsgSize(message.payload().size()));
    CopyIn(message, request.initMsg());
    return request;
  }

  kj::AsyncIoContext io;
  TwoPartyConnection connection;
  capnp::RpcSystem<VatId> rpc;
  cp::Echo::Client echo;
};

CapnpEchoClient::CapnpEchoClient(forkrpc::UniqueFd socket)
    : impl_(std::make_unique<Impl>(socket.release())) {}

CapnpEchoClient::~CapnpEchoClient() = default;

absl::Status CapnpEchoClient::Unary(const Msg& request, Msg* reply) {
  try {
    auto response = impl_->UnaryRequest(request).send().wait(impl_->io.waitScope);
    CopyOut(response.getMsg(), reply);
    return absl::OkStatus();
  } catch (const kj::Exception& exception) {
    return FromKj(exception);
  }
}

absl::Status CapnpEchoClient::UnaryWindow(const Msg& request, int window, int64_t calls) {
  if (calls <= 0) return absl::OkStatus();
  // Each completion starts the next call; the last one ends the wait.
  struct Window final : kj::TaskSet::ErrorHandler {
    void taskFailed(kj::Exception&& exception) override {
      if (status.ok()) status = FromKj(exception);
      all_done->fulfill();
    }
    absl::Status status;
    kj::Own<kj::PromiseFulfiller<void>> all_done;
  } state;
  kj::PromiseFulfillerPair<void> all_done = kj::newPromiseAndFulfiller<void>();
  state.all_done = kj::mv(all_done.fulfiller);
  kj::TaskSet tasks(state);
  int64_t started = 0;
  int64_t finished = 0;
  Msg reply;
  std::function<void()> start = [&] {
    ++started;
    tasks.add(impl_->UnaryRequest(request).send().then(
        [&](capnp::Response<cp::Echo::UnaryResults>&& response) {
          CopyOut(response.getMsg(), &reply);
          if (++finished == calls) {
            state.all_done->fulfill();
          } else if (started < calls) {
            start();
          }
        }));
  };
  for (int64_t i = 0; i < std::min<int64_t>(window, calls); ++i) start();
  try {
    all_done.promise.wait(impl_->io.waitScope);
  } catch (const kj::Exception& exception) {
    return FromKj(exception);
  }
  return state.status;
}

absl::Status CapnpEchoClient::Flood(const FloodRequest& request) {
  kj::Own<CountingSink> owned = kj::heap<CountingSink>();
  CountingSink& sink = *owned;
  cp::Sink::Client sink_client = kj::mv(owned);  // keeps the sink alive past the call
  auto flood = impl_->echo.floodRequest();
  flood.setCount(request.count());
  flood.setPayloadSize(request.payload_size());
  flood.setSink(sink_client);
  try {
    flood.send().wait(impl_->io.waitScope);
  } catch (const kj::Exception& exception) {
    return FromKj(exception);
  }
  if (sink.received() != request.count()) {
    return absl::InternalError(
        absl::StrCat("capnp: flood of ", request.count(), " gave ", sink.received()));
  }
  return absl::OkStatus();
}

}  // namespace forkrpc_bench
