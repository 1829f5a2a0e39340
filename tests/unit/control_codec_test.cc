// control_codec_test: metadata entries obey metadata.h's rules in both directions (our
// own as INVALID_ARGUMENT, the peer's as a protocol error), and a status with its
// payloads survives the trip through wire::CallStatus.
#include "forkrpc/internal/control_codec.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "forkrpc/metadata.h"
#include "forkrpc/wire.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace forkrpc::internal {
namespace {

using ::forkrpc::testing::IsOk;
using ::forkrpc::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

auto BadKey(const std::string& quoted_key, const std::string& problem) {
  return StatusIs(absl::StatusCode::kInvalidArgument,
                  AllOf(HasSubstr("metadata key " + quoted_key), HasSubstr(problem)));
}

TEST(MetadataEntryTest, LowerCaseKeyWithPrintableValueIsAccepted) {
  EXPECT_THAT(CheckMetadataEntry("request-origin", "unit test: 42"), IsOk());
  EXPECT_THAT(CheckMetadataEntry("a.b_c-9", "~ !"), IsOk());
}

TEST(MetadataEntryTest, EmptyKeyIsRejected) {
  EXPECT_THAT(CheckMetadataEntry("", "v"), BadKey("\"\"", "is empty"));
}

TEST(MetadataEntryTest, UpperCaseKeyIsRejected) {
  EXPECT_THAT(CheckMetadataEntry("Request-Origin", "v"),
              BadKey("\"Request-Origin\"", "outside [a-z0-9-_.]"));
}

TEST(MetadataEntryTest, KeyWithOtherPunctuationIsRejected) {
  for (const char* key : {"a b", "a:b", "a/b", "a=b", "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_THAT(CheckMetadataEntry(key, "v"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside [a-z0-9-_.]")))
        << key;
  }
}

TEST(MetadataEntryTest, KeyWithControlBytesIsNamedEscaped) {
  EXPECT_THAT(CheckMetadataEntry(std::string("a\nb\0", 4), "v"),
              BadKey("\"a\\nb\\x00\"", "outside [a-z0-9-_.]"));
}

TEST(MetadataEntryTest, KeysReservedForTheRuntimesAreRejected) {
  EXPECT_THAT(CheckMetadataEntry("grpc-timeout", "1S"),
              BadKey("\"grpc-timeout\"", "reserved for the runtime"));
  EXPECT_THAT(CheckMetadataEntry("forkrpc-deadline", "1"),
              BadKey("\"forkrpc-deadline\"", "reserved for the runtime"));
  EXPECT_THAT(CheckMetadataEntry("grpc-status-details-bin", "x"),
              BadKey("\"grpc-status-details-bin\"", "reserved for the runtime"));
}

TEST(MetadataEntryTest, KeysThatOnlyStartLikeReservedOnesAreAccepted) {
  EXPECT_THAT(CheckMetadataEntry("grpcx", "v"), IsOk());
  EXPECT_THAT(CheckMetadataEntry("forkrpc", "v"), IsOk());
  EXPECT_THAT(CheckMetadataEntry("my-grpc-thing", "v"), IsOk());
}

TEST(MetadataEntryTest, BinaryKeyCarriesAnyBytes) {
  std::string bytes("\0\x01\n\x7f\x80\xff", 6);
  EXPECT_THAT(CheckMetadataEntry("trace-bin", bytes), IsOk());
}

TEST(MetadataEntryTest, OtherKeysRefuseBytesOutsidePrintableAscii) {
  for (const std::string& value :
       {std::string("line\nbreak"), std::string("nul\0", 4), std::string("del\x7f"),
        std::string("caf\xc3\xa9"), std::string("tab\t")}) {
    EXPECT_THAT(CheckMetadataEntry("trace", value),
                BadKey("\"trace\"", "printable ASCII; binary values need a key ending in -bin"));
  }
}

TEST(MetadataEntryTest, BinSuffixMustEndTheKey) {
  EXPECT_THAT(CheckMetadataEntry("trace-bin-not", std::string("\x01", 1)),
              BadKey("\"trace-bin-not\"", "printable ASCII"));
}

TEST(EncodeMetadataTest, AppendsEveryEntryInOrder) {
  Metadata metadata = {{"b", "2"}, {"a", "1"}, {"a", "one"}};
  WireMetadata wire;
  ASSERT_THAT(EncodeMetadata(metadata, &wire), IsOk());
  ASSERT_EQ(wire.size(), 3);
  EXPECT_EQ(wire[0].key(), "a");
  EXPECT_EQ(wire[0].value(), "1");
  EXPECT_EQ(wire[1].key(), "a");
  EXPECT_EQ(wire[1].value(), "one");
  EXPECT_EQ(wire[2].key(), "b");
}

TEST(EncodeMetadataTest, BadEntryIsInvalidArgumentNamingItsKey) {
  WireMetadata wire;
  EXPECT_THAT(EncodeMetadata({{"good", "v"}, {"Bad", "v"}}, &wire),
              BadKey("\"Bad\"", "outside [a-z0-9-_.]"));
}

TEST(DecodeMetadataTest, RoundTripKeepsDuplicateKeysInOrder) {
  Metadata sent = {{"k", "first"}, {"k", "second"}, {"x-bin", std::string("\0\xff", 2)}};
  WireMetadata wire;
  ASSERT_THAT(EncodeMetadata(sent, &wire), IsOk());
  Metadata received;
  ASSERT_THAT(DecodeMetadata(wire, &received), IsOk());
  EXPECT_THAT(received, ElementsAre(Pair("k", "first"), Pair("k", "second"),
                                    Pair("x-bin", std::string("\0\xff", 2))));
}

TEST(DecodeMetadataTest, PeersBadEntryIsAProtocolError) {
  WireMetadata wire;
  wire::MetadataEntry* entry = wire.Add();
  entry->set_key("grpc-status");
  entry->set_value("0");
  Metadata received;
  EXPECT_THAT(DecodeMetadata(wire, &received),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: peer sent metadata key \"grpc-status\""),
                             HasSubstr("reserved"))));
}

TEST(StatusCodecTest, StatusWithPayloadsRoundTrips) {
  absl::Status sent = absl::PermissionDeniedError("helper may not open /etc/shadow");
  sent.SetPayload("type.googleapis.com/demo.Detail", absl::Cord(std::string("\x08\x01\0", 3)));
  sent.SetPayload("type.googleapis.com/demo.Other", absl::Cord("text"));
  wire::CallStatus wire;
  EncodeStatus(sent, &wire);
  EXPECT_EQ(DecodeStatus(wire), sent);
}

TEST(StatusCodecTest, OkRoundTrips) {
  wire::CallStatus wire;
  EncodeStatus(absl::OkStatus(), &wire);
  EXPECT_THAT(DecodeStatus(wire), IsOk());
}

TEST(StatusCodecTest, EveryCanonicalCodeRoundTrips) {
  for (int code = 1; code <= 16; ++code) {
    absl::Status sent(static_cast<absl::StatusCode>(code), "m");
    wire::CallStatus wire;
    EncodeStatus(sent, &wire);
    EXPECT_EQ(DecodeStatus(wire), sent) << code;
  }
}

// The statuses cross the socket serialized, so the round trip includes the wire bytes.
// A handler's error text may hold bytes that are not UTF-8 (a path, a peer's input).
TEST(StatusCodecTest, StatusWithNonUtf8MessageSurvivesSerialization) {
  absl::Status sent = absl::InvalidArgumentError("cannot parse \"\xff\xfe\"");
  wire::CallStatus wire;
  EncodeStatus(sent, &wire);
  wire::CallStatus parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()))
      << "the peer would call this STATUS frame a protocol error";
  EXPECT_EQ(DecodeStatus(parsed), sent);
}

TEST(StatusCodecTest, CodeAboveTheRangeIsUnknownNamingIt) {
  wire::CallStatus wire;
  wire.set_code(17);
  wire.set_message("from the future");
  EXPECT_THAT(DecodeStatus(wire),
              StatusIs(absl::StatusCode::kUnknown, AllOf(HasSubstr("status code 17 outside 0..16"),
                                                         HasSubstr("from the future"))));
}

TEST(StatusCodecTest, NegativeCodeIsUnknownNamingIt) {
  wire::CallStatus wire;
  wire.set_code(-1);
  EXPECT_THAT(DecodeStatus(wire),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("status code -1 outside 0..16")));
}

TEST(StatusCodecTest, PayloadsOnOkAreDropped) {
  wire::CallStatus wire;
  wire.set_code(0);
  wire::StatusDetail* detail = wire.add_details();
  detail->set_type_url("type.example/x");
  detail->set_value("v");
  absl::Status status = DecodeStatus(wire);
  EXPECT_TRUE(status.ok());
  EXPECT_FALSE(status.GetPayload("type.example/x").has_value());
}

}  // namespace
}  // namespace forkrpc::internal
