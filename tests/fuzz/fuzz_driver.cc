// fuzz_driver: runs a libFuzzer-style target without libFuzzer, so every compiler builds
// and CTest runs it. The inputs are a fixed pseudo-random sequence: valid frames of every
// type (as the wire layer's own encoders make them) with a few mutations each, and
// random bytes. The same seed gives the same inputs, so a failure reproduces.
//   frame_fuzz                        200000 inputs from seed 1
//   frame_fuzz --runs=N --seed=S      N inputs from seed S
//   frame_fuzz --write-corpus=DIR     writes the valid frames to DIR, for libFuzzer
//   frame_fuzz FILE...                runs each file as one input (a libFuzzer crash file)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "forkrpc/internal/control_codec.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/hello.h"
#include "forkrpc/wire.pb.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace forkrpc::internal {
namespace {

// One fuzz input: the descriptor count, then the packet.
std::string Input(const FrameHeader& header, const std::string& control,
                  const std::string& message) {
  FrameHeader complete = header;
  complete.control_length = static_cast<uint32_t>(control.size());
  if (!complete.has(kFlagOutOfLine))
    complete.message_length = static_cast<uint32_t>(message.size());
  std::string input(1, static_cast<char>(complete.fd_count));
  input.resize(1 + kFrameHeaderSize);
  EncodeFrameHeader(complete, &input[1]);
  return input + control + (complete.has(kFlagOutOfLine) ? "" : message);
}

FrameHeader Header(FrameType type, uint8_t flags, uint32_t call_id, uint16_t fds = 0) {
  FrameHeader header;
  header.type = type;
  header.flags = flags;
  header.call_id = call_id;
  header.fd_count = fds;
  return header;
}

// Valid frames of every type, with control sections that parse.
std::vector<std::string> Seeds() {
  Metadata metadata = {{"origin", "driver"}, {"trace-bin", std::string("\0\x01\xff", 3)}};
  wire::CallStart start;
  start.set_method("/demo.Calc/Add");
  start.set_timeout_nanos(1000000000);
  EncodeMetadata(metadata, start.mutable_metadata()).IgnoreError();
  absl::Status error = absl::NotFoundError("no such thing");
  error.SetPayload("type.example/detail", absl::Cord("detail bytes"));
  wire::CallStatus status;
  EncodeStatus(error, &status);
  EncodeMetadata(metadata, status.mutable_trailing_metadata()).IgnoreError();
  wire::ServerHeaders headers;
  EncodeMetadata(metadata, headers.mutable_initial_metadata()).IgnoreError();
  wire::Credit credit;
  credit.set_bytes(131072);
  wire::Goodbye goodbye;
  goodbye.set_reason("channel closed");

  HelloInfo hello;
  hello.max_packet_size = 212960;
  hello.max_message_size = 128 << 20;
  HelloInfo failed = hello;
  failed.setup_error = absl::InvalidArgumentError("setup failed");

  std::vector<std::string> seeds;
  seeds.push_back(std::string(1, '\0') + EncodeHello(hello));
  seeds.push_back(std::string(1, '\0') + EncodeHello(failed));
  seeds.push_back(Input(Header(FrameType::kCallStart, 0, 1), start.SerializeAsString(), ""));
  seeds.push_back(Input(Header(FrameType::kCallStart, kFlagHasMessage | kFlagEndOfStream, 3),
                        start.SerializeAsString(), "\x08\x01\x10\x02"));
  seeds.push_back(Input(Header(FrameType::kCallStart, kFlagHasMessage | kFlagOutOfLine, 5, 1),
                        start.SerializeAsString(), ""));
  seeds.push_back(Input(Header(FrameType::kMessage, 0, 7, 2), "", "message bytes"));
  seeds.push_back(Input(Header(FrameType::kMessage, kFlagChunked, 7), "", ""));
  seeds.push_back(Input(Header(FrameType::kChunk, 0, 7), "", "chunk"));
  seeds.push_back(
      Input(Header(FrameType::kMessage, kFlagEndOfStream, 9), headers.SerializeAsString(), "m"));
  seeds.push_back(Input(Header(FrameType::kHalfClose, 0, 9), "", ""));
  seeds.push_back(Input(Header(FrameType::kStatus, 0, 11), status.SerializeAsString(), ""));
  seeds.push_back(Input(Header(FrameType::kStatus, kFlagHasMessage, 11), status.SerializeAsString(),
                        "\x08\x2a"));
  seeds.push_back(Input(Header(FrameType::kCancel, 0, 13), "", ""));
  seeds.push_back(Input(Header(FrameType::kCredit, 0, 13), credit.SerializeAsString(), ""));
  seeds.push_back(Input(Header(FrameType::kGoodbye, 0, 0), goodbye.SerializeAsString(), ""));
  // A BATCH of a CALL_START with its request, a CANCEL and a STATUS, each a seed above.
  std::string batched;
  for (size_t seed : {3, 12, 11}) batched += seeds[seed].substr(1);
  seeds.push_back(Input(Header(FrameType::kBatch, 0, 0), "", batched));
  return seeds;
}

// Values that sit on the edges the decoders check.
constexpr uint32_t kEdgeValues[] = {0,          1,          15,         16,         0x7f,
                                    0x80,       0xff,       4095,       4096,       0xffff,
                                    0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, 64u << 20};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : random_(seed) {}

  size_t Below(size_t n) { return n == 0 ? 0 : random_() % n; }

  std::string RandomBytes() {
    std::string bytes(Below(64), '\0');
    for (char& c : bytes) c = static_cast<char>(random_());
    return bytes;
  }

  // Applies one to eight random edits to `input`.
  void Mutate(std::string& input) {
    for (size_t edits = 1 + Below(8); edits > 0; --edits) {
      size_t at = Below(input.size());
      switch (Below(7)) {
        case 0:  // flip a bit, mostly in the header
          if (!input.empty()) input[Below(std::min<size_t>(input.size(), 20))] ^= 1 << Below(8);
          break;
        case 1:  // a random byte
          if (!input.empty()) input[at] = static_cast<char>(random_());
          break;
        case 2: {  // an edge value over a header field
          uint32_t value = kEdgeValues[Below(std::size(kEdgeValues))];
          size_t field = 1 + 4 * Below(4);
          for (size_t i = 0; i < 4 && field + i < input.size(); ++i) {
            input[field + i] = static_cast<char>(value >> (8 * i));
          }
          break;
        }
        case 3:  // insert a byte
          input.insert(input.begin() + static_cast<ptrdiff_t>(at), static_cast<char>(random_()));
          break;
        case 4:  // erase a byte
          if (!input.empty()) input.erase(at, 1);
          break;
        case 5:  // cut the tail
          input.resize(at);
          break;
        case 6:  // a descriptor count near the header's
          if (input.size() > 3) input[0] = static_cast<char>(input[3] + Below(3) - 1);
          break;
      }
    }
  }

 private:
  std::mt19937_64 random_;
};

int Run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

int WriteCorpus(const std::string& directory) {
  std::vector<std::string> seeds = Seeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::string path = absl::StrCat(directory, "/seed-", i);
    std::ofstream out(path, std::ios::binary);
    out << seeds[i];
    if (!out) {
      std::fprintf(stderr, "frame_fuzz: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  std::printf("frame_fuzz: wrote %zu seeds to %s\n", seeds.size(), directory.c_str());
  return 0;
}

int RunFiles(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--")) continue;
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "frame_fuzz: cannot read %s\n", argv[i]);
      return 1;
    }
    Run(std::string(std::istreambuf_iterator<char>(in), {}));
    std::printf("frame_fuzz: %s passed\n", argv[i]);
  }
  return 0;
}

int RunCorpus(uint64_t runs, uint64_t seed) {
  std::vector<std::string> seeds = Seeds();
  Mutator mutator(seed);
  uint64_t decoded = 0;
  for (uint64_t i = 0; i < runs; ++i) {
    std::string input;
    if (i < seeds.size()) {
      input = seeds[i];  // each seed once as it is
    } else if (mutator.Below(8) == 0) {
      input = mutator.RandomBytes();
    } else {
      input = seeds[mutator.Below(seeds.size())];
      mutator.Mutate(input);
    }
    Run(input);
    if (!input.empty() &&
        DecodeFrame(absl::string_view(input).substr(1), static_cast<uint8_t>(input[0])).ok()) {
      ++decoded;
    }
  }
  std::printf("frame_fuzz: %llu inputs from seed %llu, %llu of them valid frames\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(decoded));
  // Mutations that never leave a frame valid would test only the first checks.
  if (runs >= 1000 && decoded < runs / 50) {
    std::fprintf(stderr, "frame_fuzz: too few valid frames to reach the deeper checks\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace forkrpc::internal

int main(int argc, char** argv) {
  using forkrpc::internal::RunCorpus;
  LLVMFuzzerInitialize(&argc, &argv);
  uint64_t runs = 200000;
  uint64_t seed = 1;
  bool files = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--runs=")) {
      if (!absl::SimpleAtoi(arg, &runs)) return 2;
    } else if (absl::ConsumePrefix(&arg, "--seed=")) {
      if (!absl::SimpleAtoi(arg, &seed)) return 2;
    } else if (absl::ConsumePrefix(&arg, "--write-corpus=")) {
      return forkrpc::internal::WriteCorpus(std::string(arg));
    } else {
      files = true;
    }
  }
  if (files) return forkrpc::internal::RunFiles(argc, argv);
  return RunCorpus(runs, seed);
}
