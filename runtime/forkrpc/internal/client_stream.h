// client_stream.h: the client's end of a streaming call on a socket channel, behind the
// typed ClientReader/ClientWriter/ClientReaderWriter. It owns its call: destroying it
// unfinished cancels the call.
#ifndef FORKRPC_INTERNAL_CLIENT_STREAM_H_
#define FORKRPC_INTERNAL_CLIENT_STREAM_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/internal/client_call.h"

namespace forkrpc::internal {

class SocketChannel;

// One reader thread and one writer thread may use it at once; Finish and destruction
// belong to one of them.
class ClientStream final : public GenericClientStream {
 public:
  // A started call. `writes_done` when the start already half-closed (server streaming).
  ClientStream(std::shared_ptr<SocketChannel> channel, std::shared_ptr<ClientCall> call,
               ClientContext& context, bool writes_done);
  // A call that could not start: Read and Write fail, Finish returns `failure`.
  explicit ClientStream(absl::Status failure);
  ~ClientStream() override;

  bool Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) override;
  bool Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds,
             bool last) override;
  bool WritesDone() override;
  absl::Status Finish() override;

 private:
  // Ends the call after a local failure of `what` (a deadline, a bad message).
  void EndAfter(const absl::Status& status, absl::string_view what);

  std::shared_ptr<SocketChannel> channel_;
  std::shared_ptr<ClientCall> call_;
  ClientContext* context_ = nullptr;
  absl::Status start_failure_;
  bool writes_done_ = false;
  bool finished_ = false;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CLIENT_STREAM_H_
