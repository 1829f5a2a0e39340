// The plugin's output for tests/protos/calc.proto and the hard cases of
// tests/protos/codegen/ must equal the reviewed copies in tests/codegen/golden/. The build
// generates the files (FORKRPC_GENERATED_DIR) and lists them (FORKRPC_GOLDEN_OUTPUTS);
// `cmake --build <dir> --target forkrpc_update_golden` refreshes the copies.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;

constexpr char kHowToUpdate[] =
    "if the change is intended, run `cmake --build <build dir> --target forkrpc_update_golden` "
    "and review the golden diff";

std::vector<std::string> GoldenOutputs() { return absl::StrSplit(FORKRPC_GOLDEN_OUTPUTS, ','); }

bool ReadFile(const fs::path& path, std::string& contents) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  contents = buffer.str();
  return true;
}

// "line 12:\n  generated: ...\n  golden:    ..." for the first line that differs.
std::string FirstDifference(const std::string& generated, const std::string& golden) {
  std::vector<std::string> ours = absl::StrSplit(generated, '\n');
  std::vector<std::string> theirs = absl::StrSplit(golden, '\n');
  size_t line = 0;
  while (line < ours.size() && line < theirs.size() && ours[line] == theirs[line]) ++line;
  std::ostringstream out;
  out << "line " << line + 1
      << ":\n  generated: " << (line < ours.size() ? ours[line] : "<end of file>")
      << "\n  golden:    " << (line < theirs.size() ? theirs[line] : "<end of file>");
  return out.str();
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, GeneratedFileMatchesItsGoldenCopy) {
  const fs::path generated_path = fs::path(FORKRPC_GENERATED_DIR) / GetParam();
  const fs::path golden_path = fs::path(FORKRPC_GOLDEN_DIR) / (GetParam() + ".golden");
  std::string generated;
  std::string golden;
  ASSERT_TRUE(ReadFile(generated_path, generated)) << "not generated: " << generated_path;
  ASSERT_TRUE(ReadFile(golden_path, golden))
      << "no golden copy " << golden_path << "; " << kHowToUpdate;
  EXPECT_TRUE(generated == golden) << GetParam() << " differs from its golden copy at "
                                   << FirstDifference(generated, golden) << "\n"
                                   << kHowToUpdate;
}

INSTANTIATE_TEST_SUITE_P(Outputs, GoldenTest, testing::ValuesIn(GoldenOutputs()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// A golden copy whose .proto is gone would otherwise go stale unnoticed.
TEST(GoldenDirectoryTest, HoldsACopyOfEachGeneratedFileAndNothingElse) {
  std::vector<std::string> copies;
  for (const fs::directory_entry& entry :
       fs::recursive_directory_iterator(fs::path(FORKRPC_GOLDEN_DIR))) {
    if (!entry.is_regular_file()) continue;
    copies.push_back(fs::relative(entry.path(), FORKRPC_GOLDEN_DIR).generic_string());
  }
  std::vector<std::string> expected;
  for (const std::string& output : GoldenOutputs()) expected.push_back(output + ".golden");
  EXPECT_THAT(copies, testing::UnorderedElementsAreArray(expected));
}

// Every template must appear in some golden file, or a template the goldens never print
// could abort the plugin on a user's .proto; these are the constructs that need more
// than calc.proto to appear.
TEST(GoldenDirectoryTest, CoversTheUnusualConstructs) {
  std::string all;
  for (const std::string& output : GoldenOutputs()) {
    std::string contents;
    ASSERT_TRUE(ReadFile(fs::path(FORKRPC_GOLDEN_DIR) / (output + ".golden"), contents));
    all += contents;
  }
  // A service without methods, a service without methods in a file that has some, and
  // a file without services.
  EXPECT_THAT(all, testing::HasSubstr(R"(::forkrpc::Service("a.b.c.Idle") {})"));
  EXPECT_THAT(
      all, testing::HasSubstr(R"(::forkrpc::Service("keywords.forkrpc.absl.google.NewStub") {})"));
  EXPECT_THAT(all, testing::HasSubstr("#define CODEGEN_COMMON_MESSAGES_FORKRPC_H_"));
  // The global namespace, and the services_namespace option.
  EXPECT_THAT(all, testing::HasSubstr("class NoPackage final {"));
  EXPECT_THAT(all, testing::HasSubstr("namespace codegen_test::ns::rpc {"));
}

}  // namespace
