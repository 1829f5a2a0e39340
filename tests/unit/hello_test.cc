// hello_test: a hello survives EncodeHello, DecodeFrame and DecodeHello with every field
// intact; a version mismatch, packet limits out of range or a broken control section are
// refused with the codes hello.h promises.
#include "forkrpc/internal/hello.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/wire.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace forkrpc::internal {
namespace {

using ::forkrpc::testing::IsOk;
using ::forkrpc::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

HelloInfo SomeHello() {
  HelloInfo info;
  info.max_packet_size = 212960;
  info.max_message_size = uint64_t{128} << 20;
  info.features = 0x5;
  return info;
}

// Decodes `packet` as the peer's first frame.
absl::StatusOr<HelloInfo> Receive(const std::string& packet) {
  absl::StatusOr<Frame> frame = DecodeFrame(packet, 0);
  if (!frame.ok()) return frame.status();
  return DecodeHello(*frame);
}

// A HELLO packet whose control section is `hello`, bypassing EncodeHello's checks.
std::string HelloPacket(const wire::Hello& hello) {
  std::string control = hello.SerializeAsString();
  FrameHeader header;
  header.type = FrameType::kHello;
  header.control_length = static_cast<uint32_t>(control.size());
  std::string packet(kFrameHeaderSize, '\0');
  EncodeFrameHeader(header, packet.data());
  return packet + control;
}

wire::Hello WireHello(uint32_t version, uint32_t max_packet_size) {
  wire::Hello hello;
  hello.set_version(version);
  hello.set_max_packet_size(max_packet_size);
  return hello;
}

TEST(HelloTest, EncodedHelloIsAConnectionFrame) {
  std::string packet = EncodeHello(SomeHello());
  absl::StatusOr<Frame> frame = DecodeFrame(packet, 0);
  ASSERT_THAT(frame, IsOk());
  EXPECT_EQ(frame->header.type, FrameType::kHello);
  EXPECT_EQ(frame->header.call_id, 0u);
  EXPECT_EQ(frame->header.control_length, packet.size() - kFrameHeaderSize);
  EXPECT_FALSE(frame->has_message);
}

TEST(HelloTest, EveryFieldRoundTrips) {
  absl::StatusOr<HelloInfo> info = Receive(EncodeHello(SomeHello()));
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->version, kProtocolVersion);
  EXPECT_EQ(info->max_packet_size, 212960u);
  EXPECT_EQ(info->max_message_size, uint64_t{128} << 20);
  EXPECT_EQ(info->features, 0x5u);
  EXPECT_THAT(info->setup_error, IsOk());
}

TEST(HelloTest, SetupErrorIsCarried) {
  HelloInfo sent = SomeHello();
  sent.setup_error = absl::NotFoundError("register service: no such file");
  absl::StatusOr<HelloInfo> info = Receive(EncodeHello(sent));
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->setup_error,
              StatusIs(absl::StatusCode::kNotFound, "register service: no such file"));
}

// A setup error often names a path, and a path is bytes, not necessarily UTF-8.
TEST(HelloTest, SetupErrorWithNonUtf8BytesIsCarried) {
  HelloInfo sent = SomeHello();
  sent.setup_error = absl::NotFoundError("open /srv/caf\xe9: no such file");
  absl::StatusOr<HelloInfo> info = Receive(EncodeHello(sent));
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->setup_error,
              StatusIs(absl::StatusCode::kNotFound, "open /srv/caf\xe9: no such file"));
}

TEST(HelloTest, SetupErrorWithACodeOutsideTheKnownOnesIsUnknown) {
  wire::Hello hello = WireHello(kProtocolVersion, kMinPacketSize);
  hello.set_setup_error_code(99);
  hello.set_setup_error_message("odd");
  absl::StatusOr<HelloInfo> info = Receive(HelloPacket(hello));
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->setup_error.code(), absl::StatusCode::kUnknown);
}

TEST(HelloTest, VersionMismatchNamesBothVersions) {
  HelloInfo sent = SomeHello();
  sent.version = kProtocolVersion + 1;
  EXPECT_THAT(Receive(EncodeHello(sent)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("version mismatch"),
                             HasSubstr(absl::StrCat("peer speaks version ", kProtocolVersion + 1)),
                             HasSubstr(absl::StrCat("this side version ", kProtocolVersion)))));
}

TEST(HelloTest, PacketSizeBelowTheMinimumIsRejected) {
  EXPECT_THAT(
      Receive(HelloPacket(WireHello(kProtocolVersion, kMinPacketSize - 1))),
      StatusIs(absl::StatusCode::kInternal,
               AllOf(StartsWith("protocol error: "),
                     HasSubstr(absl::StrCat("packet size ", kMinPacketSize - 1, ", outside [",
                                            kMinPacketSize, ", ", kMaxPacketSize, "]")))));
}

TEST(HelloTest, PacketSizeAboveTheMaximumIsRejected) {
  EXPECT_THAT(Receive(HelloPacket(WireHello(kProtocolVersion, kMaxPacketSize + 1))),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: "),
                             HasSubstr(absl::StrCat("packet size ", kMaxPacketSize + 1)))));
}

TEST(HelloTest, MissingPacketSizeIsRejected) {
  EXPECT_THAT(Receive(HelloPacket(WireHello(kProtocolVersion, 0))),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("packet size 0, outside")));
}

TEST(HelloTest, PacketSizesAtTheLimitsAreAccepted) {
  EXPECT_THAT(Receive(HelloPacket(WireHello(kProtocolVersion, kMinPacketSize))), IsOk());
  EXPECT_THAT(Receive(HelloPacket(WireHello(kProtocolVersion, kMaxPacketSize))), IsOk());
}

TEST(HelloTest, FrameOtherThanHelloIsRejected) {
  Frame frame;
  frame.header.type = FrameType::kCallStart;
  frame.header.call_id = 1;
  EXPECT_THAT(DecodeHello(frame),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: "),
                             HasSubstr("expected HELLO as the first frame, got CALL_START"))));
}

TEST(HelloTest, ControlSectionThatDoesNotParseIsRejected) {
  Frame frame;
  frame.header.type = FrameType::kHello;
  frame.control = "\xff\xff\xff";
  EXPECT_THAT(DecodeHello(frame),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: "), HasSubstr("does not parse"))));
}

}  // namespace
}  // namespace forkrpc::internal
