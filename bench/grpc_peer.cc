#include "bench/grpc_peer.h"

#include <fcntl.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench.grpc.pb.h"
#include "grpcpp/create_channel_posix.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/server_posix.h"

namespace forkrpc_bench {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("grpc: ", status.error_message()));
}

// gRPC 1.51's descriptor server and channel expect a non-blocking socket; with a
// blocking one the first call hangs.
void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Echo as a gRPC user would write it; the same behaviour as EchoService.
class GrpcEchoService final : public Echo::Service {
 public:
  grpc::Status Unary(grpc::ServerContext* context, const Msg* request, Msg* reply) override {
    *reply = *request;
    return grpc::Status::OK;
  }

  grpc::Status Flood(grpc::ServerContext* context, const FloodRequest* request,
                     grpc::ServerWriter<Msg>* writer) override {
    Msg message;
    message.set_payload(std::string(request->payload_size(), 'x'));
    for (uint64_t i = 0; i < request->count(); ++i) {
      message.set_id(i);
      if (!writer->Write(message)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status PingPong(grpc::ServerContext* context,
                        grpc::ServerReaderWriter<Msg, Msg>* stream) override {
    Msg message;
    while (stream->Read(&message)) {
      if (!stream->Write(message)) break;
    }
    return grpc::Status::OK;
  }
};

// The child's whole life: serve every connection until killed.
void ServeGrpc(const std::vector<int>& sockets) {
  GrpcEchoService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) _exit(3);
  for (int socket : sockets) {
    SetNonBlocking(socket);
    grpc::AddInsecureChannelFromFd(server.get(), socket);
  }
  server->Wait();
}

class GrpcPingPong final : public PeerEchoClient::PingPong {
 public:
  explicit GrpcPingPong(Echo::Stub& stub) : stream_(stub.PingPong(&context_)) {}

  absl::Status RoundTrip(const Msg& request, Msg* reply) override {
    if (stream_->Write(request) && stream_->Read(reply)) return absl::OkStatus();
    return Finish();
  }

  absl::Status Finish() override {
    if (finished_) return absl::FailedPreconditionError("PingPong: finished already");
    finished_ = true;
    stream_->WritesDone();
    grpc::Status status = stream_->Finish();
    if (status.ok()) return absl::OkStatus();
    return FromGrpc(status);
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<Msg, Msg>> stream_;
  bool finished_ = false;
};

}  // namespace

bool GrpcBuilt() { return true; }

absl::StatusOr<PeerServerChild> ForkGrpcServer(int connections) {
  return PeerServerChild::Fork(connections, ServeGrpc);
}

struct GrpcEchoClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Echo::Stub> stub;
};

GrpcEchoClient::GrpcEchoClient(forkrpc::UniqueFd socket) : impl_(std::make_unique<Impl>()) {
  SetNonBlocking(socket.get());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // The channel owns the descriptor from here on.
  impl_->channel = grpc::CreateCustomInsecureChannelFromFd("forkrpc-bench", socket.release(), args);
  impl_->stub = Echo::NewStub(impl_->channel);
}

GrpcEchoClient::~GrpcEchoClient() = default;

absl::Status GrpcEchoClient::Unary(const Msg& request, Msg* reply) {
  grpc::ClientContext context;
  return FromGrpc(impl_->stub->Unary(&context, request, reply));
}

absl::Status GrpcEchoClient::UnaryWindow(const Msg& request, int window, int64_t calls) {
  struct Call {
    grpc::ClientContext context;
    Msg reply;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Msg>> reader;
  };
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<Call>> slots(std::min<int64_t>(window, calls));
  int64_t started = 0;
  auto start = [&](size_t slot) {
    slots[slot] = std::make_unique<Call>();
    Call& call = *slots[slot];
    call.reader = impl_->stub->AsyncUnary(&call.context, request, &queue);
    call.reader->Finish(&call.reply, &call.status, reinterpret_cast<void*>(slot));
    ++started;
  };
  for (size_t slot = 0; slot < slots.size(); ++slot) start(slot);
  absl::Status result;
  for (int64_t finished = 0; finished < calls; ++finished) {
    void* tag = nullptr;
    bool ok = false;
    if (!queue.Next(&tag, &ok)) return absl::InternalError("grpc: completion queue shut down");
    size_t slot = reinterpret_cast<size_t>(tag);
    if (result.ok()) result = FromGrpc(slots[slot]->status);
    if (started < calls) start(slot);
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  return result;
}

absl::Status GrpcEchoClient::Flood(const FloodRequest& request) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<Msg>> reader = impl_->stub->Flood(&context, request);
  Msg message;
  uint64_t received = 0;
  while (reader->Read(&message)) ++received;
  absl::Status status = FromGrpc(reader->Finish());
  if (status.ok() && received != request.count()) {
    return absl::InternalError(
        absl::StrCat("grpc: flood of ", request.count(), " gave ", received));
  }
  return status;
}

std::unique_ptr<PeerEchoClient::PingPong> GrpcEchoClient::OpenPingPong() {
  return std::make_unique<GrpcPingPong>(*impl_->stub);
}

}  // namespace forkrpc_bench
