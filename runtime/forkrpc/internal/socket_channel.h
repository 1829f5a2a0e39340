// socket_channel.h: the Channel that Channel::Create returns, over one socketpair end.
// It keeps the client's side of every call in a CallTable, routes the server's frames
// to them, and runs async completions on a pump thread of its own, started by the first
// async call. Synchronous calls never touch the pump: the calling thread sends its
// request and, unless another thread is reading already, reads its own reply
// (connection.h).
#ifndef FORKRPC_INTERNAL_SOCKET_CHANNEL_H_
#define FORKRPC_INTERNAL_SOCKET_CHANNEL_H_

#include <map>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "forkrpc/channel.h"
#include "forkrpc/internal/call_table.h"
#include "forkrpc/internal/client_call.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/wire.pb.h"

namespace forkrpc::internal {

// Thread-safe.
class SocketChannel final : public Channel,
                            public Connection::Handler,
                            public std::enable_shared_from_this<SocketChannel> {
 public:
  // `peer` is the helper process at the other end, when there is one (Spawn); such a
  // channel says hello in AwaitHello, which must be called before any call.
  static absl::StatusOr<std::shared_ptr<SocketChannel>> Create(UniqueFd socket,
                                                               ChannelOptions options,
                                                               std::optional<PeerProcess> peer);
  // Fails the calls still in flight with UNAVAILABLE and runs their completions.
  ~SocketChannel() override;

  absl::Status Call(const RpcMethod& method, ClientContext& context,
                    const google::protobuf::MessageLite& request,
                    google::protobuf::MessageLite* response) override;
  void CallAsync(const RpcMethod& method, ClientContext& context,
                 const google::protobuf::MessageLite& request,
                 google::protobuf::MessageLite* response,
                 absl::AnyInvocable<void(absl::Status)> done) override;
  std::unique_ptr<GenericClientStream> StartStream(
      const RpcMethod& method, ClientContext& context, const google::protobuf::MessageLite* request,
      google::protobuf::MessageLite* response) override;
  void Close() override;
  const ChannelOptions& options() const override { return options_; }

  // Waits for the helper's hello, then sends ours; the helper's setup error, if it
  // sent one, is the result.
  absl::Status AwaitHello(absl::Time deadline);

  // --- for ClientCall and ClientStream ---
  Connection& connection() { return *connection_; }
  // Registers a call of `method` on behalf of `context`, with `response_target` for a
  // response in the STATUS frame, and fills in the rest of `start`, its CALL_START
  // control section, which names the method already.
  // For an async call `done` is taken, but only when the call starts.
  // `reading`, for a caller that will read its own reply: set when the call started
  // and this thread took the reader role with it (Connection::ClaimReaderRole), to pass
  // to SendCallStart and AwaitEnd.
  absl::StatusOr<std::shared_ptr<ClientCall>> StartCall(
      const RpcMethod& method, ClientContext& context, MessageTarget response_target,
      absl::AnyInvocable<void(absl::Status)>* done, wire::CallStart* start,
      bool* reading = nullptr);
  // Sends the CALL_START of `call`, with its first message if any; the context's
  // descriptors go with it.
  // `batchable`: it may wait in this thread's open batch (Connection::BeginBatch).
  // `reading`: as Connection::Send takes it.
  absl::Status SendCallStart(ClientCall& call, ClientContext& context, const wire::CallStart& start,
                             const google::protobuf::MessageLite* message, bool end_of_stream,
                             bool batchable = false, bool* reading = nullptr);
  // What a caller of `call` hears when its frame could not be sent for `status` (not OK).
  static absl::Status SendFailure(absl::Status status, const ClientCall& call);
  // Ends `call` at this end with `status`, unless it has ended; tells the server when
  // `tell_server`. Never blocks.
  void EndLocally(ClientCall& call, absl::Status status, bool tell_server);
  // Waits for `call` to end, or ends it with DEADLINE_EXCEEDED at its deadline.
  // `just_sent` when the caller has only now sent the request the end answers;
  // `holding_reader_role` when it holds the role still (see StartCall).
  absl::Status AwaitEnd(ClientCall& call, bool just_sent = false,
                        bool holding_reader_role = false);
  // Hands the server's metadata of `call`, which has ended, to `context` and unbinds it.
  void FinishContext(ClientCall& call, ClientContext& context);

  // --- Connection::Handler ---
  absl::Status OnFrame(const Frame& frame, std::vector<UniqueFd>&& fds, Work* work) override;
  void OnGoodbye(absl::string_view reason) override;
  void FailCalls(const absl::Status& status) override;
  void Schedule(Work work) override;

 private:
  // A finished async call waiting for the pump to run its `done`.
  struct Completion {
    std::shared_ptr<ClientCall> call;  // null for a call that never started
    ClientContext* context = nullptr;
    absl::AnyInvocable<void(absl::Status)> done;
    absl::Status unstarted_status;  // why it never started
  };

  SocketChannel(std::unique_ptr<Connection> connection, ChannelOptions options);

  absl::Status OnStatus(const Frame& frame, std::vector<UniqueFd>&& fds);
  absl::Status OnMessage(const Frame& frame, std::vector<UniqueFd>&& fds);
  absl::Status OnCredit(const Frame& frame);
  // The call `frame` is for, or null when it ended already; an error for an id never used.
  absl::StatusOr<std::shared_ptr<ClientCall>> FindCall(const Frame& frame)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  // Records the end of `call`; an async call's completion is queued for the pump.
  void EndCall(const std::shared_ptr<ClientCall>& call, absl::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());

  void StartPumpIfNeeded();
  void PumpLoop();
  // Ends the async calls whose deadline passed; returns their ids, to cancel.
  std::vector<uint32_t> ExpireAsyncCalls() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  absl::Time NextAsyncDeadline() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection_->mu());
  // Sends the batch the pump opened around its completions, and ends the calls whose
  // CALL_START could not go.
  void EndBatch();
  // Runs `completions` on the calling thread, without the lock.
  void RunCompletions(std::vector<Completion>& completions);

  const std::unique_ptr<Connection> connection_;
  const ChannelOptions options_;

  CallTable<ClientCall> calls_ ABSL_GUARDED_BY(connection_->mu());
  // The server said goodbye: no new calls.
  std::optional<std::string> goodbye_ ABSL_GUARDED_BY(connection_->mu());

  std::vector<Completion> completions_ ABSL_GUARDED_BY(connection_->mu());
  int async_pending_ ABSL_GUARDED_BY(connection_->mu()) = 0;
  std::multimap<absl::Time, std::weak_ptr<ClientCall>> async_deadlines_
      ABSL_GUARDED_BY(connection_->mu());
  // The deadline the pump sleeps until; an async call due earlier wakes it.
  absl::Time pump_deadline_ ABSL_GUARDED_BY(connection_->mu()) = absl::InfiniteFuture();
  // Set, under the lock, by a call due before pump_deadline_; read by its starter
  // without it.
  std::atomic<bool> pump_recheck_{false};
  bool stopping_ ABSL_GUARDED_BY(connection_->mu()) = false;
  bool pump_started_ ABSL_GUARDED_BY(connection_->mu()) = false;
  // pump_started_, readable without the lock: async calls after the first skip it.
  std::atomic<bool> pump_launched_{false};
  std::thread pump_;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_SOCKET_CHANNEL_H_
