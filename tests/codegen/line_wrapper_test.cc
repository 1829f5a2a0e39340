#include "codegen/line_wrapper.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace forkrpc::plugin {
namespace {

TEST(WrapLinesTest, LeavesAStatementThatFitsAsItIs) {
  const std::string code = "  ::absl::Status Add(const ::demo::AddRequest& request);\n";
  EXPECT_EQ(WrapLines(code), code);
}

TEST(WrapLinesTest, JoinsLinesBrokenInsideBracketsWhenTheStatementFits) {
  EXPECT_EQ(WrapLines("void Add(\n    int a,\n    int b);\nint x;\n"),
            "void Add(int a, int b);\nint x;\n");
}

TEST(WrapLinesTest, AlignsArgumentsWithTheBracket) {
  EXPECT_EQ(WrapLines("  ::absl::Status Add(::forkrpc::ClientContext& context, const "
                      "::demo::AddRequest& request, ::demo::AddReply* response);\n"),
            "  ::absl::Status Add(::forkrpc::ClientContext& context, const "
            "::demo::AddRequest& request,\n"
            "                     ::demo::AddReply* response);\n");
}

TEST(WrapLinesTest, BreaksAfterTheBracketWhenAlignedArgumentsDoNotFit) {
  EXPECT_EQ(WrapLines("  ::std::unique_ptr<::forkrpc::ClientReader<::demo::Number>> Range("
                      "::forkrpc::ClientContext& context, const ::demo::RangeRequest& request);\n"),
            "  ::std::unique_ptr<::forkrpc::ClientReader<::demo::Number>> Range(\n"
            "      ::forkrpc::ClientContext& context, const ::demo::RangeRequest& request);\n");
}

TEST(WrapLinesTest, PutsALongReturnTypeOnALineOfItsOwn) {
  EXPECT_EQ(WrapLines("::std::unique_ptr<::forkrpc::ClientReaderWriter<::demo::ChatMessage, "
                      "::demo::ChatMessage>> Calc::Stub::Chat(::forkrpc::ClientContext& "
                      "context) {\n"),
            "::std::unique_ptr<::forkrpc::ClientReaderWriter<::demo::ChatMessage, "
            "::demo::ChatMessage>>\n"
            "Calc::Stub::Chat(::forkrpc::ClientContext& context) {\n");
}

TEST(WrapLinesTest, BreaksInsideANestedCallWhenItsHeadIsTooLong) {
  EXPECT_EQ(WrapLines("  ::forkrpc::Service::AddMethod(::std::make_unique<::forkrpc::codegen::"
                      "ServerStreamingHandler<Calc::Service, ::demo::RangeRequest, "
                      "::demo::Number>>(kCalcRange, &Calc::Service::Range));\n"),
            "  ::forkrpc::Service::AddMethod(\n"
            "      ::std::make_unique<::forkrpc::codegen::ServerStreamingHandler<\n"
            "          Calc::Service, ::demo::RangeRequest, ::demo::Number>>(kCalcRange, "
            "&Calc::Service::Range));\n");
}

TEST(WrapLinesTest, StartsConstructorInitializersOnALineOfTheirOwn) {
  EXPECT_EQ(WrapLines("LoadBalancerStatsService::Service::Service() : ::forkrpc::Service("
                      "\"grpc.testing.LoadBalancerStatsService\") {\n"),
            "LoadBalancerStatsService::Service::Service()\n"
            "    : ::forkrpc::Service(\"grpc.testing.LoadBalancerStatsService\") {\n");
}

TEST(WrapLinesTest, GivesALongOneStatementBodyLinesOfItsOwn) {
  EXPECT_EQ(WrapLines("  static constexpr char const* service_full_name() { return "
                      "\"grpc.testing.XdsUpdateClientConfigureService\"; }\n"),
            "  static constexpr char const* service_full_name() {\n"
            "    return \"grpc.testing.XdsUpdateClientConfigureService\";\n"
            "  }\n");
}

TEST(WrapLinesTest, NeverTouchesCommentsPreprocessorLinesOrStrings) {
  const std::string comment =
      "// A comment (with brackets, and commas) that is far longer than the column limit of "
      "one hundred.\n";
  EXPECT_EQ(WrapLines(comment), comment);
  const std::string include =
      "#include \"a/very/long/path/that/goes/on/and/on/beyond/the/column/limit/of/one/hundred/"
      "columns.pb.h\"\n";
  EXPECT_EQ(WrapLines(include), include);
  // The string's brackets and commas are not the statement's.
  EXPECT_EQ(WrapLines("f(\"(a, b\",\n  \"c)\");\n"), "f(\"(a, b\", \"c)\");\n");
}

TEST(WrapLinesTest, LeavesWhatCannotBeBrokenAsItIs) {
  const std::string code = "int " + std::string(120, 'x') + ";\n";
  EXPECT_EQ(WrapLines(code), code);
}

// The golden files are the plugin's output, so wrapping them again must change nothing.
TEST(WrapLinesTest, LeavesItsOwnOutputUnchanged) {
  std::vector<std::string> outputs = absl::StrSplit(FORKRPC_GOLDEN_OUTPUTS, ',');
  ASSERT_FALSE(outputs.empty());
  for (const std::string& output : outputs) {
    std::ifstream file(std::filesystem::path(FORKRPC_GOLDEN_DIR) / (output + ".golden"));
    ASSERT_TRUE(file) << output;
    std::ostringstream code;
    code << file.rdbuf();
    EXPECT_EQ(WrapLines(code.str()), code.str()) << output;
  }
}

}  // namespace
}  // namespace forkrpc::plugin
