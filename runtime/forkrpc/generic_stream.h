// generic_stream.h: one streaming call seen without its message types. Channels
// implement the client side and servers the server side; the typed streams of
// sync_stream.h wrap them. Generic code (a proxy, a bridge) can use them directly.
#ifndef FORKRPC_GENERIC_STREAM_H_
#define FORKRPC_GENERIC_STREAM_H_

#include <vector>

#include "absl/status/status.h"
#include "forkrpc/unique_fd.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc {

// The client's end of a streaming call. One thread may read while another writes;
// destroying a stream before Finish returned cancels the call and does not block.
class GenericClientStream {
 public:
  virtual ~GenericClientStream() = default;

  // Reads the next message into `message`, and its descriptors into `fds`, replacing
  // what `fds` held (they are closed if `fds` is null). False when the server has
  // finished or the call failed; Finish then says why.
  virtual bool Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) = 0;

  // Sends `message` with `fds`, waiting for flow-control credit. `last` half-closes
  // the stream with the message. False when the call has ended, so no more can be sent.
  virtual bool Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds,
                     bool last) = 0;

  // Tells the server no more messages come. False if the call has already ended.
  virtual bool WritesDone() = 0;

  // Waits for the call to end and returns its status; a client-streaming call's
  // response is in place when the status is OK. Half-closes first if needed.
  virtual absl::Status Finish() = 0;
};

// The server's end of a streaming call, lent to a handler until it returns.
class GenericServerStream {
 public:
  virtual ~GenericServerStream() = default;

  // Reads the client's next message, and its descriptors into `fds`, replacing what
  // `fds` held (closed if null); false once the client half-closed or the call was
  // cancelled.
  virtual bool Read(google::protobuf::MessageLite* message, std::vector<UniqueFd>* fds) = 0;

  // Sends a message to the client; false if the call was cancelled or the client is gone.
  virtual bool Write(const google::protobuf::MessageLite& message, std::vector<UniqueFd> fds) = 0;
};

}  // namespace forkrpc

#endif  // FORKRPC_GENERIC_STREAM_H_
