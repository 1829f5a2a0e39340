// hello.h: the first frame of each side, built and checked. Each side announces the
// largest packet it will send and the largest message it accepts; the peer sizes its
// receive buffer and its send-side checks by them (docs/wire-format.md, "Hello").
#ifndef FORKRPC_INTERNAL_HELLO_H_
#define FORKRPC_INTERNAL_HELLO_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "forkrpc/internal/frame.h"

namespace forkrpc::internal {

// What one side announces in its hello.
struct HelloInfo {
  uint32_t version = kProtocolVersion;
  uint32_t max_packet_size = 0;
  uint64_t max_message_size = 0;
  uint64_t features = 0;
  // Not OK when a helper's setup failed: it reports why and takes no calls.
  absl::Status setup_error;
};

// The whole HELLO packet for `info`: header and control section.
std::string EncodeHello(const HelloInfo& info);

// Reads the peer's hello from `frame`. A frame that is not a HELLO, a control section
// that does not parse, or packet limits outside [kMinPacketSize, kMaxPacketSize] are
// protocol errors (INTERNAL); a different version is FAILED_PRECONDITION naming both.
absl::StatusOr<HelloInfo> DecodeHello(const Frame& frame);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_HELLO_H_
