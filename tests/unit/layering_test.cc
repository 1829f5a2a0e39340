// layering_test: the layers of STYLE.md §1, kept honest. Every file under runtime/forkrpc
// has a line in the table below, and each of its `#include "forkrpc/..."` names a file of
// its own layer or a lower one. A public header (outside internal/) never reaches
// internal/connection.h, directly or through other forkrpc headers, and forkrpc.h
// includes every public header meant for users.
//
// A new runtime file adds its line here in the same commit.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forkrpc {
namespace {

// Lower layers never include higher ones.
enum class Layer { kOs, kWire, kConnection, kRpc, kProcess, kUmbrella };

const char* LayerName(Layer layer) {
  switch (layer) {
    case Layer::kOs:
      return "os";
    case Layer::kWire:
      return "wire";
    case Layer::kConnection:
      return "connection";
    case Layer::kRpc:
      return "rpc";
    case Layer::kProcess:
      return "process";
    case Layer::kUmbrella:
      return "umbrella";
  }
  return "?";
}

// A file's path under runtime/forkrpc without its last extension, so "unique_fd" stands
// for unique_fd.h and unique_fd.cc alike.
using Stem = std::string;

struct TableEntry {
  Layer layer;
  // Made by the build (from proto/forkrpc/), so absent from the source tree.
  bool generated = false;
};

// The layer table. Keep it in the order of STYLE.md §1.
const std::map<Stem, TableEntry>& LayerTable() {
  static const auto* const table = new std::map<Stem, TableEntry>{
      // os
      {"unique_fd", {Layer::kOs}},
      {"socket_pair", {Layer::kOs}},
      {"peer_credentials", {Layer::kOs}},
      {"internal/errno_status", {Layer::kOs}},
      {"internal/socket_io", {Layer::kOs}},
      {"internal/pidfd", {Layer::kOs}},
      {"internal/event_set", {Layer::kOs}},
      {"internal/sealed_memfd", {Layer::kOs}},
      {"internal/check", {Layer::kOs}},
      {"internal/monotonic_clock", {Layer::kOs}},
      {"internal/status_macros", {Layer::kOs}},
      // wire
      {"metadata", {Layer::kWire}},
      {"wire.pb", {Layer::kWire, /*generated=*/true}},
      {"internal/frame_format", {Layer::kWire}},
      {"internal/frame", {Layer::kWire}},
      {"internal/hello", {Layer::kWire}},
      {"internal/control_codec", {Layer::kWire}},
      // connection
      {"internal/flow_control", {Layer::kConnection}},
      {"internal/busy_poll", {Layer::kConnection}},
      {"internal/call_state", {Layer::kConnection}},
      {"internal/call_table", {Layer::kConnection}},
      {"internal/connection", {Layer::kConnection}},
      {"internal/connection_send", {Layer::kConnection}},
      {"internal/connection_watch", {Layer::kConnection}},
      {"internal/chunk_assembler", {Layer::kConnection}},
      {"internal/message_bytes", {Layer::kConnection}},
      // rpc
      {"rpc_method", {Layer::kRpc}},
      {"channel", {Layer::kRpc}},
      {"client_context", {Layer::kRpc}},
      {"server_context", {Layer::kRpc}},
      {"generic_stream", {Layer::kRpc}},
      {"sync_stream", {Layer::kRpc}},
      {"service", {Layer::kRpc}},
      {"server", {Layer::kRpc}},
      {"codegen", {Layer::kRpc}},
      {"internal/client_context_access", {Layer::kRpc}},
      {"internal/client_call", {Layer::kRpc}},
      {"internal/client_stream", {Layer::kRpc}},
      {"internal/socket_channel", {Layer::kRpc}},
      {"internal/server_context_access", {Layer::kRpc}},
      {"internal/server_call", {Layer::kRpc}},
      {"internal/server_session", {Layer::kRpc}},
      {"internal/message_cache", {Layer::kRpc}},
      {"internal/recycling_allocator", {Layer::kRpc}},
      // process
      {"exit_status", {Layer::kProcess}},
      {"child", {Layer::kProcess}},
      {"spawn", {Layer::kProcess}},
      {"spawn_exec", {Layer::kProcess}},
      {"serve_inherited", {Layer::kProcess}},
      {"internal/helper_launch", {Layer::kProcess}},
      // umbrella
      {"forkrpc", {Layer::kUmbrella}},
  };
  return *table;
}

// Public headers that forkrpc.h leaves out on purpose.
const std::set<std::string>& NotInUmbrella() {
  static const auto* const headers = new std::set<std::string>{
      "codegen.h",  // what generated code calls; users call the generated classes
  };
  return *headers;
}

constexpr char kRuntimeDir[] = FORKRPC_SOURCE_DIR "/runtime/forkrpc";
constexpr char kConnectionHeader[] = "internal/connection.h";

Stem StemOf(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path;
  return path.substr(0, dot);
}

bool IsPublicHeader(const std::string& path) {
  return !absl::StartsWith(path, "internal/") && absl::EndsWith(path, ".h");
}

// Every file under runtime/forkrpc, as paths relative to it, sorted.
std::vector<std::string> RuntimeFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kRuntimeDir)) {
    if (!entry.is_regular_file()) continue;
    files.push_back(std::filesystem::relative(entry.path(), kRuntimeDir).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The forkrpc includes of `contents`, as written after "forkrpc/".
std::vector<std::string> ForkrpcIncludes(const std::string& contents) {
  static const std::regex include(R"re(^\s*#\s*include\s*["<]forkrpc/([^">]+)[">])re");
  std::vector<std::string> includes;
  std::istringstream lines(contents);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, match, include)) includes.push_back(match[1]);
  }
  return includes;
}

std::string ReadRuntimeFile(const std::string& path) {
  std::ifstream in(std::string(kRuntimeDir) + "/" + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::optional<Layer> LayerOf(const std::string& path) {
  auto it = LayerTable().find(StemOf(path));
  if (it == LayerTable().end()) return std::nullopt;
  return it->second.layer;
}

// Why `file` may not include "forkrpc/<included>", or nothing when it may.
std::optional<std::string> CheckInclude(const std::string& file, const std::string& included) {
  std::optional<Layer> from = LayerOf(file);
  std::optional<Layer> to = LayerOf(included);
  if (!from.has_value()) return absl::StrCat(file, " is not in the layer table");
  if (!to.has_value()) {
    return absl::StrCat(file, " (", LayerName(*from), ") includes forkrpc/", included,
                        ", which is not in the layer table");
  }
  if (*to > *from) {
    return absl::StrCat(file, " (", LayerName(*from), ") includes forkrpc/", included, " (",
                        LayerName(*to), "), a higher layer");
  }
  if (IsPublicHeader(file) && included == kConnectionHeader) {
    return absl::StrCat(file, " is a public header and includes forkrpc/", included);
  }
  return std::nullopt;
}

TEST(LayeringTest, FindsTheRuntimeSources) {
  std::vector<std::string> files = RuntimeFiles();
  EXPECT_THAT(files, ::testing::Contains("unique_fd.h"));
  EXPECT_THAT(files, ::testing::Contains("internal/frame.cc"));
}

TEST(LayeringTest, ReadsIncludesAsWritten) {
  EXPECT_THAT(ForkrpcIncludes(ReadRuntimeFile("socket_pair.cc")),
              ::testing::ElementsAre("socket_pair.h", "internal/errno_status.h"));
  EXPECT_THAT(ForkrpcIncludes("  #  include <forkrpc/a.h>\n// #include \"forkrpc/b.h\"\n"),
              ::testing::ElementsAre("a.h"));
}

TEST(LayeringTest, IncludeOfAHigherLayerNamesTheFileTheIncludeAndBothLayers) {
  EXPECT_EQ(CheckInclude("internal/frame.cc", "channel.h"),
            "internal/frame.cc (wire) includes forkrpc/channel.h (rpc), a higher layer");
  EXPECT_EQ(CheckInclude("channel.h", "internal/connection.h"),
            "channel.h is a public header and includes forkrpc/internal/connection.h");
  EXPECT_EQ(CheckInclude("server.cc", "internal/connection.h"), std::nullopt);
  EXPECT_EQ(CheckInclude("spawn.cc", "unique_fd.h"), std::nullopt);
}

TEST(LayeringTest, EveryRuntimeFileIsInTheLayerTable) {
  for (const std::string& file : RuntimeFiles()) {
    EXPECT_TRUE(LayerOf(file).has_value())
        << "runtime/forkrpc/" << file << " is not in layering_test.cc's layer table; add its "
        << "line (STYLE.md §1) in the same commit";
  }
}

TEST(LayeringTest, EveryLayerTableLineNamesAFile) {
  std::set<Stem> stems;
  for (const std::string& file : RuntimeFiles()) stems.insert(StemOf(file));
  for (const auto& [stem, entry] : LayerTable()) {
    if (entry.generated) continue;
    EXPECT_EQ(stems.count(stem), 1u)
        << "layering_test.cc's layer table lists " << stem << " (" << LayerName(entry.layer)
        << "), but runtime/forkrpc has no such file; remove its line";
  }
}

TEST(LayeringTest, IncludesStayInTheirOwnLayerOrBelow) {
  for (const std::string& file : RuntimeFiles()) {
    if (!LayerOf(file).has_value()) continue;  // EveryRuntimeFileIsInTheLayerTable says so
    for (const std::string& included : ForkrpcIncludes(ReadRuntimeFile(file))) {
      std::optional<std::string> problem = CheckInclude(file, included);
      EXPECT_EQ(problem, std::nullopt) << "runtime/forkrpc/" << problem.value_or("");
    }
  }
}

// The chain of includes by which `header` reaches internal/connection.h, if it does.
std::optional<std::vector<std::string>> PathToConnection(const std::string& header,
                                                         std::set<std::string>* seen) {
  if (header == kConnectionHeader) return std::vector<std::string>{header};
  if (!seen->insert(header).second) return std::nullopt;
  for (const std::string& included : ForkrpcIncludes(ReadRuntimeFile(header))) {
    std::optional<std::vector<std::string>> rest = PathToConnection(included, seen);
    if (rest.has_value()) {
      rest->insert(rest->begin(), header);
      return rest;
    }
  }
  return std::nullopt;
}

TEST(LayeringTest, FollowsIncludesToTheConnectionHeader) {
  std::set<std::string> seen;
  EXPECT_THAT(
      PathToConnection("internal/server_session.h", &seen),
      ::testing::Optional(::testing::ElementsAre("internal/server_session.h", kConnectionHeader)));
}

TEST(LayeringTest, NoPublicHeaderReachesTheConnectionHeader) {
  for (const std::string& file : RuntimeFiles()) {
    if (!IsPublicHeader(file)) continue;
    std::set<std::string> seen;
    std::optional<std::vector<std::string>> path = PathToConnection(file, &seen);
    EXPECT_EQ(path, std::nullopt) << "public header runtime/forkrpc/" << file << " reaches forkrpc/"
                                  << kConnectionHeader << ": "
                                  << absl::StrJoin(path.value_or(std::vector<std::string>{}),
                                                   " -> ");
  }
}

TEST(LayeringTest, UmbrellaHeaderIncludesEveryPublicHeader) {
  std::vector<std::string> included = ForkrpcIncludes(ReadRuntimeFile("forkrpc.h"));
  std::set<std::string> umbrella(included.begin(), included.end());
  for (const std::string& file : RuntimeFiles()) {
    if (!IsPublicHeader(file) || file == "forkrpc.h" || NotInUmbrella().count(file) != 0) {
      continue;
    }
    EXPECT_EQ(umbrella.count(file), 1u)
        << "forkrpc.h does not include public header forkrpc/" << file;
  }
}

}  // namespace
}  // namespace forkrpc
