#include "codegen/comments.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace forkrpc::plugin {

std::vector<std::string> CommentLines(const std::string& leading_comments) {
  std::vector<std::string> lines;
  for (absl::string_view piece : absl::StrSplit(leading_comments, '\n')) {
    std::string text(piece);
    // GCC ends a line at a lone '\r' where protobuf does not: control characters become
    // spaces, so none can end the comment early and turn its tail into code.
    for (char& c : text) {
      if (absl::ascii_iscntrl(c) && c != '\t') c = ' ';
    }
    absl::string_view line = absl::StripTrailingAsciiWhitespace(text);
    // A line ending in a backslash would splice the next line of code into the
    // comment ([lex.phases]), so trailing backslashes do not travel.
    while (absl::ConsumeSuffix(&line, "\\")) line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) {
      lines.push_back("//");
    } else {
      lines.push_back(absl::StrCat(line[0] == ' ' ? "//" : "// ", line));
    }
  }
  // The comment's final newline leaves one empty piece, and blank lines at either end
  // say nothing.
  while (!lines.empty() && lines.back() == "//") lines.pop_back();
  while (!lines.empty() && lines.front() == "//") lines.erase(lines.begin());
  return lines;
}

}  // namespace forkrpc::plugin
