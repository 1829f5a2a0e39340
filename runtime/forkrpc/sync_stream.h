// sync_stream.h: the typed streams of streaming calls, named as in gRPC. The client's
// come from a stub and own their call; the server's are lent to a handler.
//   auto reader = stub.Range(context, request);     // server streaming
//   demo::Number n;
//   while (reader->Read(&n)) Use(n);
//   absl::Status status = reader->Finish();
//
//   auto writer = stub.Sum(context, &total);         // client streaming
//   for (int i : values) if (!writer->Write(Make(i))) break;
//   absl::Status status = writer->Finish();          // half-closes, then waits
#ifndef FORKRPC_SYNC_STREAM_H_
#define FORKRPC_SYNC_STREAM_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "forkrpc/generic_stream.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {

// Reads the responses of a server-streaming call. One thread may read while another
// calls Finish; destroying it before Finish cancels the call without blocking.
template <class R>
class ClientReader {
 public:
  explicit ClientReader(std::unique_ptr<GenericClientStream> stream) : stream_(std::move(stream)) {}

  // The next response; false when the server finished or the call failed.
  bool Read(R* message) { return stream_->Read(message, nullptr); }
  // The next response and the descriptors that came with it.
  bool Read(R* message, std::vector<UniqueFd>* fds) { return stream_->Read(message, fds); }
  // Waits for the end of the call and returns its status.
  absl::Status Finish() { return stream_->Finish(); }

 private:
  std::unique_ptr<GenericClientStream> stream_;
};

// Writes the requests of a client-streaming call; the response arrives with Finish.
template <class W>
class ClientWriter {
 public:
  explicit ClientWriter(std::unique_ptr<GenericClientStream> stream) : stream_(std::move(stream)) {}

  // Sends one request; false once the call has ended.
  bool Write(const W& message) { return stream_->Write(message, {}, false); }
  bool Write(const W& message, std::vector<UniqueFd> fds) {
    return stream_->Write(message, std::move(fds), false);
  }
  // Sends no more requests.
  bool WritesDone() { return stream_->WritesDone(); }
  // Half-closes if needed, waits for the status; the response is set when it is OK.
  absl::Status Finish() { return stream_->Finish(); }

 private:
  std::unique_ptr<GenericClientStream> stream_;
};

// Both ends of a bidirectional call: one thread may read while another writes.
template <class W, class R>
class ClientReaderWriter {
 public:
  explicit ClientReaderWriter(std::unique_ptr<GenericClientStream> stream)
      : stream_(std::move(stream)) {}

  bool Read(R* message) { return stream_->Read(message, nullptr); }
  bool Read(R* message, std::vector<UniqueFd>* fds) { return stream_->Read(message, fds); }
  bool Write(const W& message) { return stream_->Write(message, {}, false); }
  bool Write(const W& message, std::vector<UniqueFd> fds) {
    return stream_->Write(message, std::move(fds), false);
  }
  bool WritesDone() { return stream_->WritesDone(); }
  absl::Status Finish() { return stream_->Finish(); }

 private:
  std::unique_ptr<GenericClientStream> stream_;
};

// The requests of a client-streaming call, as its handler reads them.
template <class R>
class ServerReader {
 public:
  explicit ServerReader(GenericServerStream& stream) : stream_(stream) {}

  // The next request; false once the client half-closed or the call was cancelled.
  bool Read(R* message) { return stream_.Read(message, nullptr); }
  bool Read(R* message, std::vector<UniqueFd>* fds) { return stream_.Read(message, fds); }

 private:
  GenericServerStream& stream_;
};

// The responses of a server-streaming call, as its handler writes them.
template <class W>
class ServerWriter {
 public:
  explicit ServerWriter(GenericServerStream& stream) : stream_(stream) {}

  // Sends one response; false if the call was cancelled or the client is gone.
  bool Write(const W& message) { return stream_.Write(message, {}); }
  bool Write(const W& message, std::vector<UniqueFd> fds) {
    return stream_.Write(message, std::move(fds));
  }

 private:
  GenericServerStream& stream_;
};

// Both directions of a bidirectional call, as its handler sees them.
template <class W, class R>
class ServerReaderWriter {
 public:
  explicit ServerReaderWriter(GenericServerStream& stream) : stream_(stream) {}

  bool Read(R* message) { return stream_.Read(message, nullptr); }
  bool Read(R* message, std::vector<UniqueFd>* fds) { return stream_.Read(message, fds); }
  bool Write(const W& message) { return stream_.Write(message, {}); }
  bool Write(const W& message, std::vector<UniqueFd> fds) {
    return stream_.Write(message, std::move(fds));
  }

 private:
  GenericServerStream& stream_;
};

}  // namespace forkrpc

#endif  // FORKRPC_SYNC_STREAM_H_
