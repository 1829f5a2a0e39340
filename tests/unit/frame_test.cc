// frame_test: frame headers survive an encode/decode round trip for every valid frame
// type and flag combination, sit at the offsets docs/wire-format.md gives, and every
// rule DecodeFrame and DecodeBatchedFrame enforce rejects its violation with INTERNAL
// "protocol error: ..." naming it.
#include "forkrpc/internal/frame.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

constexpr uint32_t kSomeCallId = 0x01020304;

bool IsConnectionFrame(FrameType type) {
  return type == FrameType::kHello || type == FrameType::kGoodbye ||
         type == FrameType::kDescriptorsNext || type == FrameType::kBatch;
}

FrameHeader Header(FrameType type, uint8_t flags = 0, uint32_t call_id = kSomeCallId) {
  FrameHeader header;
  header.type = type;
  header.flags = flags;
  header.call_id = call_id;
  return header;
}

// A packet of `header` (lengths as given) followed by `body`.
std::string Packet(const FrameHeader& header, absl::string_view body = "") {
  std::string packet(kFrameHeaderSize, '\0');
  EncodeFrameHeader(header, packet.data());
  packet.append(body.data(), body.size());
  return packet;
}

// A packet whose header's lengths match `control` and `message`.
std::string Packet(FrameHeader header, absl::string_view control, absl::string_view message) {
  header.control_length = static_cast<uint32_t>(control.size());
  header.message_length = static_cast<uint32_t>(message.size());
  return Packet(header, absl::StrCat(control, message));
}

template <class Matcher>
auto ProtocolError(Matcher words) {
  return StatusIs(absl::StatusCode::kInternal, AllOf(StartsWith("protocol error: "), words));
}

TEST(FrameHeaderTest, FieldsSitLittleEndianAtTheirOffsets) {
  FrameHeader header;
  header.type = FrameType::kCallStart;
  header.flags = kFlagEndOfStream | kFlagHasMessage;
  header.fd_count = 0x0102;
  header.call_id = 0x0a0b0c0d;
  header.control_length = 0x11223344;
  header.message_length = 0x55667788;
  std::string bytes(kFrameHeaderSize, '\0');
  EncodeFrameHeader(header, bytes.data());
  EXPECT_EQ(bytes, std::string("\x02\x03\x02\x01"
                               "\x0d\x0c\x0b\x0a"
                               "\x44\x33\x22\x11"
                               "\x88\x77\x66\x55",
                               16));
}

TEST(FrameHeaderTest, EncodingWritesOnlyTheHeaderBytes) {
  std::string bytes(kFrameHeaderSize + 4, 'x');
  EncodeFrameHeader(Header(FrameType::kCancel), bytes.data());
  EXPECT_EQ(bytes.substr(kFrameHeaderSize), "xxxx");
}

TEST(FrameTypeNameTest, NamesEveryType) {
  EXPECT_EQ(FrameTypeName(FrameType::kHello), "HELLO");
  EXPECT_EQ(FrameTypeName(FrameType::kCallStart), "CALL_START");
  EXPECT_EQ(FrameTypeName(FrameType::kMessage), "MESSAGE");
  EXPECT_EQ(FrameTypeName(FrameType::kHalfClose), "HALF_CLOSE");
  EXPECT_EQ(FrameTypeName(FrameType::kStatus), "STATUS");
  EXPECT_EQ(FrameTypeName(FrameType::kCancel), "CANCEL");
  EXPECT_EQ(FrameTypeName(FrameType::kCredit), "CREDIT");
  EXPECT_EQ(FrameTypeName(FrameType::kGoodbye), "GOODBYE");
  EXPECT_EQ(FrameTypeName(FrameType::kChunk), "CHUNK");
  EXPECT_EQ(FrameTypeName(FrameType::kDescriptorsNext), "DESCRIPTORS_NEXT");
  EXPECT_EQ(FrameTypeName(FrameType::kBatch), "BATCH");
}

// frame.h promises "UNKNOWN" for a value that names no type.
TEST(FrameTypeNameTest, ValueOfNoTypeIsUnknown) {
  EXPECT_EQ(FrameTypeName(static_cast<FrameType>(77)), "UNKNOWN");
}

TEST(DescriptorsNextTest, EmptyOnTheConnectionDecodes) {
  std::string packet = Packet(Header(FrameType::kDescriptorsNext, 0, 0));
  absl::StatusOr<Frame> frame = DecodeFrame(packet, 0);
  ASSERT_THAT(frame, IsOk());
  EXPECT_EQ(frame->header.type, FrameType::kDescriptorsNext);
  EXPECT_FALSE(frame->has_message);
  EXPECT_TRUE(frame->control.empty());
}

TEST(DescriptorsNextTest, ForACallIsAProtocolError) {
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kDescriptorsNext)), 0),
              ProtocolError(HasSubstr("DESCRIPTORS_NEXT frame has call id 16909060, expected 0")));
}

// It only announces the packet after it: whatever it carried itself would be lost.
TEST(DescriptorsNextTest, WithControlOrDescriptorsIsAProtocolError) {
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kDescriptorsNext, 0, 0), "x", ""), 0),
              ProtocolError(HasSubstr("DESCRIPTORS_NEXT frame carries 0 descriptors, 1 control "
                                      "bytes and a message length of 0; it must be empty")));
  FrameHeader header = Header(FrameType::kDescriptorsNext, 0, 0);
  header.fd_count = 1;
  EXPECT_THAT(DecodeFrame(Packet(header), 1),
              ProtocolError(HasSubstr("DESCRIPTORS_NEXT frame carries 1 descriptors")));
}

// A BATCH's frames come out one by one, in order, as views into the packet, and the
// batch is used up after the last.
TEST(BatchTest, FramesComeOutInOrder) {
  std::string start = Packet(Header(FrameType::kCallStart, kFlagHasMessage, 7), "call", "request");
  std::string cancel = Packet(Header(FrameType::kCancel, 0, 7));
  std::string status = Packet(Header(FrameType::kStatus, kFlagHasMessage, 9), "", "");
  std::string packet = Packet(Header(FrameType::kBatch, 0, 0), "", start + cancel + status);
  absl::StatusOr<Frame> batch = DecodeFrame(packet, 0);
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ(batch->header.type, FrameType::kBatch);
  EXPECT_EQ(batch->message, start + cancel + status);

  absl::string_view rest = batch->message;
  absl::StatusOr<Frame> first = DecodeBatchedFrame(&rest);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->header.type, FrameType::kCallStart);
  EXPECT_EQ(first->header.call_id, 7u);
  EXPECT_EQ(first->control, "call");
  EXPECT_EQ(first->message, "request");
  EXPECT_EQ(first->message.data(), packet.data() + 2 * kFrameHeaderSize + 4);
  absl::StatusOr<Frame> second = DecodeBatchedFrame(&rest);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->header.type, FrameType::kCancel);
  absl::StatusOr<Frame> third = DecodeBatchedFrame(&rest);
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->header.type, FrameType::kStatus);
  EXPECT_TRUE(third->has_message);
  EXPECT_TRUE(rest.empty());
}

TEST(BatchTest, EmptyOrWithAControlSectionIsAProtocolError) {
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kBatch, 0, 0)), 0),
              ProtocolError(HasSubstr("BATCH frame carries 0 descriptors, 0 control bytes and 0 "
                                      "bytes of frames; it must carry only frames")));
  std::string cancel = Packet(Header(FrameType::kCancel, 0, 7));
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kBatch, 0, 0), "x", cancel), 0),
              ProtocolError(HasSubstr("BATCH frame carries 0 descriptors, 1 control bytes")));
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kBatch, 0, 5), "", cancel), 0),
              ProtocolError(HasSubstr("BATCH frame has call id 5, expected 0")));
}

// Frames that need a packet of their own: the hello's credentials, descriptors, a chunk
// received in place, another batch.
TEST(BatchTest, LoneFrameTypesInsideAreAProtocolError) {
  const std::pair<FrameType, uint32_t> lone[] = {{FrameType::kHello, 0},
                                                 {FrameType::kGoodbye, 0},
                                                 {FrameType::kDescriptorsNext, 0},
                                                 {FrameType::kChunk, 7},
                                                 {FrameType::kBatch, 0}};
  for (auto [type, call_id] : lone) {
    absl::string_view rest;
    std::string frame = Packet(Header(type, 0, call_id));
    rest = frame;
    EXPECT_THAT(DecodeBatchedFrame(&rest),
                ProtocolError(HasSubstr(absl::StrCat("BATCH frame holds a ", FrameTypeName(type),
                                                     " frame (type ", static_cast<int>(type),
                                                     "), which needs a packet of its own"))));
    EXPECT_EQ(rest.size(), frame.size()) << "a refused frame stays where it was";
  }
}

TEST(BatchTest, MessageNotInLineIsAProtocolError) {
  std::string out_of_line =
      Packet(Header(FrameType::kStatus, kFlagHasMessage | kFlagOutOfLine, 7));
  absl::string_view rest = out_of_line;
  EXPECT_THAT(DecodeBatchedFrame(&rest),
              ProtocolError(HasSubstr("BATCH frame holds a STATUS frame whose message is not in "
                                      "line")));
  std::string chunked = Packet(Header(FrameType::kMessage, kFlagChunked, 7));
  rest = chunked;
  EXPECT_THAT(DecodeBatchedFrame(&rest),
              ProtocolError(HasSubstr("MESSAGE frame whose message is not in line")));
}

TEST(BatchTest, FrameWithDescriptorsInsideIsAProtocolError) {
  FrameHeader header = Header(FrameType::kCancel, 0, 7);
  header.fd_count = 1;
  std::string frame = Packet(header);
  absl::string_view rest = frame;
  EXPECT_THAT(DecodeBatchedFrame(&rest),
              ProtocolError(HasSubstr("CANCEL frame announces 1 descriptors but 0 arrived")));
}

TEST(BatchTest, FrameRunningPastTheBatchIsAProtocolError) {
  std::string frame = Packet(Header(FrameType::kMessage, 0, 7), "", "message");
  absl::string_view rest = absl::string_view(frame).substr(0, frame.size() - 1);
  EXPECT_THAT(DecodeBatchedFrame(&rest),
              ProtocolError(HasSubstr("BATCH frame holds a MESSAGE frame of 23 bytes, but only "
                                      "22 bytes are left in it")));
  // Lengths that would wrap 32 bits into a fit are seen in 64.
  FrameHeader wrapping = Header(FrameType::kMessage, 0, 7);
  wrapping.control_length = 0xfffffff0;
  wrapping.message_length = 0x20;
  std::string wrapped = Packet(wrapping, std::string(16, 'x'));
  rest = wrapped;
  EXPECT_THAT(DecodeBatchedFrame(&rest), ProtocolError(HasSubstr("bytes are left in it")));
  std::string stub(kFrameHeaderSize - 1, '\0');
  rest = stub;
  EXPECT_THAT(DecodeBatchedFrame(&rest),
              ProtocolError(HasSubstr("BATCH frame ends in 15 bytes, shorter than a frame "
                                      "header")));
}

// A frame type and flags that DecodeFrame must accept, written out by hand from
// docs/wire-format.md rather than derived from the decoder's own tables.
struct ValidFrame {
  FrameType type;
  uint8_t flags;
};

constexpr uint8_t kEos = kFlagEndOfStream;
constexpr uint8_t kHas = kFlagHasMessage;
constexpr uint8_t kOol = kFlagOutOfLine;
constexpr uint8_t kChunked = kFlagChunked;

const ValidFrame kValidFrames[] = {
    {FrameType::kHello, 0},
    {FrameType::kCallStart, 0},
    {FrameType::kCallStart, kEos},
    {FrameType::kCallStart, kHas},
    {FrameType::kCallStart, kHas | kEos},
    {FrameType::kCallStart, kHas | kOol},
    {FrameType::kCallStart, kHas | kOol | kEos},
    {FrameType::kCallStart, kHas | kChunked},
    {FrameType::kCallStart, kHas | kChunked | kEos},
    {FrameType::kMessage, 0},
    {FrameType::kMessage, kEos},
    {FrameType::kMessage, kOol},
    {FrameType::kMessage, kOol | kEos},
    {FrameType::kMessage, kChunked},
    {FrameType::kMessage, kChunked | kEos},
    {FrameType::kHalfClose, 0},
    {FrameType::kStatus, 0},
    {FrameType::kStatus, kHas},
    {FrameType::kStatus, kHas | kOol},
    {FrameType::kStatus, kHas | kChunked},
    {FrameType::kCancel, 0},
    {FrameType::kCredit, 0},
    {FrameType::kGoodbye, 0},
    {FrameType::kChunk, 0},
};

class FrameRoundTripTest : public ::testing::TestWithParam<ValidFrame> {};

TEST_P(FrameRoundTripTest, DecodesWhatWasEncoded) {
  const ValidFrame& valid = GetParam();
  bool has_message = valid.type == FrameType::kMessage || valid.type == FrameType::kChunk ||
                     (valid.flags & kHas) != 0;
  bool out_of_line = (valid.flags & kOol) != 0;
  // Out of line or chunked, the message bytes are not in the packet.
  bool elsewhere = out_of_line || (valid.flags & kChunked) != 0;
  FrameHeader header =
      Header(valid.type, valid.flags, IsConnectionFrame(valid.type) ? 0 : kSomeCallId);
  // An out-of-line message is its memfd plus one more descriptor of the message's own.
  header.fd_count = out_of_line ? 2 : has_message ? 1 : 0;
  std::string control = "control section";
  std::string message = has_message && !elsewhere ? "message bytes" : "";
  header.control_length = static_cast<uint32_t>(control.size());
  // Out of line, the length is the memfd's size and no message bytes are in the packet.
  header.message_length = elsewhere ? 1u << 20 : static_cast<uint32_t>(message.size());
  std::string packet = Packet(header, control + message);

  absl::StatusOr<Frame> frame = DecodeFrame(packet, header.fd_count);
  ASSERT_THAT(frame, IsOk());
  EXPECT_EQ(frame->header.type, header.type);
  EXPECT_EQ(frame->header.flags, header.flags);
  EXPECT_EQ(frame->header.fd_count, header.fd_count);
  EXPECT_EQ(frame->header.call_id, header.call_id);
  EXPECT_EQ(frame->header.control_length, header.control_length);
  EXPECT_EQ(frame->header.message_length, header.message_length);
  EXPECT_EQ(frame->has_message, has_message);
  EXPECT_EQ(frame->control, control);
  EXPECT_EQ(frame->message, message);
  // The views point into the packet, not at copies.
  EXPECT_EQ(frame->control.data(), packet.data() + kFrameHeaderSize);
  if (!message.empty()) {
    EXPECT_EQ(frame->message.data(), packet.data() + kFrameHeaderSize + control.size());
  }
}

INSTANTIATE_TEST_SUITE_P(ValidFrames, FrameRoundTripTest, ::testing::ValuesIn(kValidFrames),
                         [](const ::testing::TestParamInfo<ValidFrame>& info) {
                           return absl::StrCat(FrameTypeName(info.param.type), "_flags",
                                               info.param.flags);
                         });

TEST(FrameDecodeTest, ExtremeFieldValuesRoundTrip) {
  FrameHeader header = Header(FrameType::kMessage, kEos, 0xffffffff);
  header.fd_count = 253;
  std::string packet = Packet(header, "", "m");
  absl::StatusOr<Frame> frame = DecodeFrame(packet, 253);
  ASSERT_THAT(frame, IsOk());
  EXPECT_EQ(frame->header.call_id, 0xffffffffu);
  EXPECT_EQ(frame->header.fd_count, 253);
}

TEST(FrameDecodeTest, EmptyMessageSectionIsStillAMessage) {
  absl::StatusOr<Frame> frame = DecodeFrame(Packet(Header(FrameType::kStatus, kHas), "c", ""), 0);
  ASSERT_THAT(frame, IsOk());
  EXPECT_TRUE(frame->has_message);
  EXPECT_TRUE(frame->message.empty());
}

TEST(FrameDecodeTest, FrameWithoutMessageFlagHasNoMessage) {
  absl::StatusOr<Frame> frame = DecodeFrame(Packet(Header(FrameType::kStatus), "c", ""), 0);
  ASSERT_THAT(frame, IsOk());
  EXPECT_FALSE(frame->has_message);
}

TEST(FrameDecodeTest, PacketShorterThanTheHeaderIsRejected) {
  std::string packet = Packet(Header(FrameType::kCancel));
  packet.pop_back();
  EXPECT_THAT(
      DecodeFrame(packet, 0),
      ProtocolError(HasSubstr("packet of 15 bytes is shorter than the 16-byte frame header")));
}

TEST(FrameDecodeTest, EmptyPacketIsRejected) {
  EXPECT_THAT(DecodeFrame("", 0), ProtocolError(HasSubstr("packet of 0 bytes")));
}

TEST(FrameDecodeTest, FrameTypeZeroIsRejected) {
  std::string packet = Packet(Header(FrameType::kCancel));
  packet[kTypeOffset] = 0;
  EXPECT_THAT(DecodeFrame(packet, 0), ProtocolError(HasSubstr("unknown frame type 0")));
}

TEST(FrameDecodeTest, FrameTypePastTheLastIsRejected) {
  std::string packet = Packet(Header(FrameType::kCancel));
  packet[kTypeOffset] = static_cast<char>(kLastFrameType + 1);
  EXPECT_THAT(DecodeFrame(packet, 0),
              ProtocolError(HasSubstr(absl::StrCat("unknown frame type ", kLastFrameType + 1))));
  packet[kTypeOffset] = static_cast<char>(0xff);
  EXPECT_THAT(DecodeFrame(packet, 0), ProtocolError(HasSubstr("unknown frame type 255")));
}

// A flag the frame's type may not carry; `bad` is the part not allowed.
struct DisallowedFlags {
  FrameType type;
  uint8_t flags;
  uint8_t bad;
};

class DisallowedFlagsTest : public ::testing::TestWithParam<DisallowedFlags> {};

TEST_P(DisallowedFlagsTest, FrameIsRejectedNamingTheFlags) {
  const DisallowedFlags& c = GetParam();
  FrameHeader header = Header(c.type, c.flags, IsConnectionFrame(c.type) ? 0 : kSomeCallId);
  header.fd_count = (c.flags & kOol) != 0 ? 1 : 0;
  EXPECT_THAT(DecodeFrame(Packet(header), header.fd_count),
              ProtocolError(AllOf(HasSubstr(FrameTypeName(c.type)),
                                  HasSubstr(absl::StrCat("flags 0x", absl::Hex(c.flags))),
                                  HasSubstr(absl::StrCat("not allowed: 0x", absl::Hex(c.bad))))));
}

INSTANTIATE_TEST_SUITE_P(Flags, DisallowedFlagsTest,
                         ::testing::Values(DisallowedFlags{FrameType::kHello, kEos, kEos},
                                           DisallowedFlags{FrameType::kGoodbye, kHas, kHas},
                                           DisallowedFlags{FrameType::kHalfClose, kEos, kEos},
                                           DisallowedFlags{FrameType::kCancel, kChunked, kChunked},
                                           DisallowedFlags{FrameType::kCredit, kOol, kOol},
                                           DisallowedFlags{FrameType::kMessage, kHas | kEos, kHas},
                                           DisallowedFlags{FrameType::kStatus, kHas | kEos, kEos},
                                           DisallowedFlags{FrameType::kCallStart, 0x10, 0x10},
                                           DisallowedFlags{FrameType::kMessage, 0x80 | kEos, 0x80}),
                         [](const ::testing::TestParamInfo<DisallowedFlags>& info) {
                           return absl::StrCat(FrameTypeName(info.param.type), "_flags",
                                               info.param.flags);
                         });

TEST(FrameDecodeTest, CallFrameWithCallIdZeroIsRejected) {
  for (FrameType type : {FrameType::kCallStart, FrameType::kMessage, FrameType::kHalfClose,
                         FrameType::kStatus, FrameType::kCancel, FrameType::kCredit}) {
    EXPECT_THAT(
        DecodeFrame(Packet(Header(type, 0, 0)), 0),
        ProtocolError(HasSubstr(absl::StrCat(FrameTypeName(type), " frame has call id 0"))));
  }
}

TEST(FrameDecodeTest, ConnectionFrameWithACallIdIsRejected) {
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kHello, 0, 7)), 0),
              ProtocolError(HasSubstr("HELLO frame has call id 7, expected 0")));
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kGoodbye, 0, 1)), 0),
              ProtocolError(HasSubstr("GOODBYE frame has call id 1, expected 0")));
}

TEST(FrameDecodeTest, FewerDescriptorsThanAnnouncedIsRejected) {
  FrameHeader header = Header(FrameType::kMessage);
  header.fd_count = 2;
  EXPECT_THAT(DecodeFrame(Packet(header), 1),
              ProtocolError(HasSubstr("MESSAGE frame announces 2 descriptors but 1 arrived")));
}

TEST(FrameDecodeTest, DescriptorsNotAnnouncedAreRejected) {
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kMessage)), 3),
              ProtocolError(HasSubstr("announces 0 descriptors but 3 arrived")));
}

TEST(FrameDecodeTest, ControlLengthPastThePacketIsRejected) {
  FrameHeader header = Header(FrameType::kCredit);
  header.control_length = 10;
  EXPECT_THAT(DecodeFrame(Packet(header, "12345"), 0),
              ProtocolError(HasSubstr("CREDIT frame declares 26 bytes (control 10, message 0) "
                                      "but the packet holds 21")));
}

TEST(FrameDecodeTest, MessageLengthPastThePacketIsRejected) {
  FrameHeader header = Header(FrameType::kMessage);
  header.message_length = 100;
  EXPECT_THAT(DecodeFrame(Packet(header, "short"), 0),
              ProtocolError(HasSubstr("declares 116 bytes (control 0, message 100)")));
}

TEST(FrameDecodeTest, BytesBeyondTheDeclaredLengthsAreRejected) {
  std::string packet = Packet(Header(FrameType::kMessage), "", "m");
  packet += "trailing";
  EXPECT_THAT(DecodeFrame(packet, 0),
              ProtocolError(HasSubstr("declares 17 bytes (control 0, message 1) but the packet "
                                      "holds 25")));
}

// 16 + 0xffffffff + 5 is 20 in 32-bit arithmetic: exactly this packet's size.
TEST(FrameDecodeTest, LengthsThatWrapAround32BitsAreRejected) {
  FrameHeader header = Header(FrameType::kMessage);
  header.control_length = 0xffffffff;
  header.message_length = 5;
  EXPECT_THAT(DecodeFrame(Packet(header, "abcd"), 0),
              ProtocolError(HasSubstr("declares 4294967316 bytes")));
}

// 0x80000000 + 0x80000004 is 4 in 32-bit arithmetic.
TEST(FrameDecodeTest, TwoHalfRangeLengthsThatWrapAreRejected) {
  FrameHeader header = Header(FrameType::kCallStart, kHas);
  header.control_length = 0x80000000;
  header.message_length = 0x80000004;
  EXPECT_THAT(DecodeFrame(Packet(header, "abcd"), 0),
              ProtocolError(HasSubstr("declares 4294967316 bytes")));
}

TEST(FrameDecodeTest, MessageBytesOnAFrameWithoutMessageAreRejected) {
  for (FrameType type : {FrameType::kCallStart, FrameType::kHalfClose, FrameType::kStatus,
                         FrameType::kCancel, FrameType::kCredit}) {
    EXPECT_THAT(DecodeFrame(Packet(Header(type), "", "abc"), 0),
                ProtocolError(HasSubstr(absl::StrCat(
                    FrameTypeName(type), " frame without a message has message length 3"))));
  }
}

// The violation is a message flag where no message is; the error should say which.
TEST(FrameDecodeTest, MessageFlagsOnAFrameWithoutMessageAreNamed) {
  FrameHeader out_of_line = Header(FrameType::kCallStart, kOol);
  out_of_line.fd_count = 1;
  EXPECT_THAT(DecodeFrame(Packet(out_of_line), 1),
              ProtocolError(AllOf(HasSubstr("without a message"), HasSubstr("out of line"))));
  EXPECT_THAT(DecodeFrame(Packet(Header(FrameType::kStatus, kChunked)), 0),
              ProtocolError(AllOf(HasSubstr("without a message"), HasSubstr("chunked"))));
}

TEST(FrameDecodeTest, OutOfLineMessageWithoutDescriptorsIsRejected) {
  FrameHeader header = Header(FrameType::kMessage, kOol);
  header.message_length = 1 << 20;
  EXPECT_THAT(DecodeFrame(Packet(header), 0),
              ProtocolError(HasSubstr("MESSAGE frame is out of line but carries no memfd")));
}

TEST(FrameDecodeTest, OutOfLineAndChunkedTogetherIsRejected) {
  FrameHeader header = Header(FrameType::kMessage, kOol | kChunked);
  header.fd_count = 1;
  header.message_length = 1 << 20;
  EXPECT_THAT(DecodeFrame(Packet(header), 1),
              ProtocolError(HasSubstr("MESSAGE frame is both out of line and chunked")));
}

}  // namespace
}  // namespace forkrpc::internal
