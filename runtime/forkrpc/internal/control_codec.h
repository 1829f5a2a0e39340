// control_codec.h: the public values that travel in control sections, to and from their
// wire protos: metadata (checked against the rules of metadata.h) and absl::Status with
// its payloads. Pure functions; the frames around them are frame.h's.
#ifndef FORKRPC_INTERNAL_CONTROL_CODEC_H_
#define FORKRPC_INTERNAL_CONTROL_CODEC_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "forkrpc/metadata.h"
#include "forkrpc/wire.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace forkrpc::internal {

using WireMetadata = google::protobuf::RepeatedPtrField<wire::MetadataEntry>;

// OK if `key` may carry `value` (metadata.h); otherwise INVALID_ARGUMENT naming the key
// and what is wrong with it.
absl::Status CheckMetadataEntry(absl::string_view key, absl::string_view value);

// Checks every entry of `metadata` and appends it to `out`.
absl::Status EncodeMetadata(const Metadata& metadata, WireMetadata* out);

// The peer's metadata, checked like our own: a bad entry is a protocol error (INTERNAL).
absl::Status DecodeMetadata(const WireMetadata& in, Metadata* out);

// Writes `status` (code, message, payloads) into `out`.
void EncodeStatus(const absl::Status& status, wire::CallStatus* out);

// The status `in` describes. A code outside gRPC's 0..16 becomes UNKNOWN naming it.
absl::Status DecodeStatus(const wire::CallStatus& in);

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CONTROL_CODEC_H_
