#include "codegen/options.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "codegen/names.h"

namespace forkrpc::plugin {
namespace {

bool IsIdentifier(absl::string_view word) {
  if (word.empty() || absl::ascii_isdigit(word[0])) return false;
  for (char c : word) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return !IsCppKeyword(word);
}

absl::Status CheckNamespace(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", key, " needs a value: ", key, "=NAME"));
  }
  for (absl::string_view part : absl::StrSplit(value, "::")) {
    if (!IsIdentifier(part)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "option ", key, ": \"", value, "\" is not a C++ namespace name (\"", part, "\")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Options> ParseOptions(absl::string_view parameter) {
  Options options;
  absl::flat_hash_set<std::string> seen;
  // protoc joins several --forkrpc_opt flags with commas; empty items are harmless.
  for (absl::string_view item : absl::StrSplit(parameter, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> key_value =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    absl::string_view key = absl::StripAsciiWhitespace(key_value.first);
    absl::string_view value = absl::StripAsciiWhitespace(key_value.second);
    if (!seen.insert(std::string(key)).second) {
      return absl::InvalidArgumentError(absl::StrCat("option ", key, " is given twice"));
    }
    if (key == "services_namespace") {
      if (absl::Status status = CheckNamespace(key, value); !status.ok()) return status;
      options.services_namespace = std::string(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown option \"", key, "\" (protoc-gen-forkrpc knows services_namespace)"));
    }
  }
  return options;
}

}  // namespace forkrpc::plugin
