#include "codegen/line_wrapper.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace forkrpc::plugin {
namespace {

using Lines = std::vector<std::string>;

constexpr size_t kNotFound = absl::string_view::npos;

bool IsOpening(char c) { return c == '(' || c == '<' || c == '[' || c == '{'; }
bool IsClosing(char c) { return c == ')' || c == '>' || c == ']' || c == '}'; }

// Calls `visit(i, depth)` for each character of `text` outside string literals, `depth`
// counting the brackets open before it. Generated code has no `->` and no comparisons,
// so every '<' and '>' is a template bracket.
template <class Visit>
void ScanCode(absl::string_view text, Visit visit) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      continue;
    }
    if (IsClosing(text[i])) --depth;
    visit(i, depth);
    if (IsOpening(text[i])) ++depth;
  }
}

// A line the wrapper leaves alone: blank, a comment, a preprocessor line, or code with a
// comment after it.
bool PassesThrough(absl::string_view line) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(line);
  if (text.empty() || text[0] == '#') return true;
  bool comment = false;
  ScanCode(text, [&](size_t i, int) { comment |= absl::StartsWith(text.substr(i), "//"); });
  return comment;
}

// How many brackets a line leaves open: a statement continues while some are. A line
// ending in " {" opens a block instead, so that brace does not count.
int OpenBrackets(absl::string_view text) {
  absl::ConsumeSuffix(&text, " {");
  int open = 0;
  ScanCode(text, [&](size_t i, int) {
    if (IsOpening(text[i])) ++open;
    if (IsClosing(text[i])) --open;
  });
  return open;
}

// The first `needle` outside brackets and strings.
size_t FindTopLevel(absl::string_view text, absl::string_view needle) {
  size_t found = kNotFound;
  ScanCode(text, [&](size_t i, int depth) {
    if (found == kNotFound && depth == 0 && absl::StartsWith(text.substr(i), needle)) found = i;
  });
  return found;
}

// The last space outside brackets and strings.
size_t LastTopLevelSpace(absl::string_view text) {
  size_t found = kNotFound;
  ScanCode(text, [&](size_t i, int depth) {
    if (depth == 0 && text[i] == ' ') found = i;
  });
  return found;
}

// The brackets of the last group outside any other that closes in `text`.
bool LastTopLevelGroup(absl::string_view text, size_t& open, size_t& close) {
  bool found = false;
  size_t opened = 0;
  ScanCode(text, [&](size_t i, int depth) {
    if (depth == 0 && IsOpening(text[i])) opened = i;
    if (depth == 0 && IsClosing(text[i])) {
      open = opened;
      close = i;
      found = true;
    }
  });
  return found;
}

// The pieces of `text` between separators outside brackets and strings, trimmed.
std::vector<std::string> SplitTopLevel(absl::string_view text, char separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  ScanCode(text, [&](size_t i, int depth) {
    if (depth != 0 || text[i] != separator) return;
    pieces.emplace_back(absl::StripAsciiWhitespace(text.substr(start, i - start)));
    start = i + 1;
  });
  std::string last(absl::StripAsciiWhitespace(text.substr(start)));
  if (!last.empty() || !pieces.empty()) pieces.push_back(std::move(last));
  return pieces;
}

bool AllFit(const Lines& lines) {
  for (const std::string& line : lines) {
    if (line.size() > static_cast<size_t>(kColumnLimit)) return false;
  }
  return true;
}

void Append(Lines& lines, Lines more) {
  for (std::string& line : more) lines.push_back(std::move(line));
}

// `args` packed greedily after `first`, continuation lines `indent` columns in, the last
// argument followed by `tail`.
Lines Pack(std::string first, size_t indent, const std::vector<std::string>& args,
           absl::string_view tail) {
  Lines lines;
  std::string line = std::move(first);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string piece = absl::StrCat(args[i], i + 1 < args.size() ? "," : tail);
    if (i == 0) {
      line += piece;
    } else if (line.size() + 1 + piece.size() <= static_cast<size_t>(kColumnLimit)) {
      absl::StrAppend(&line, " ", piece);
    } else {
      lines.push_back(std::move(line));
      line = std::string(indent, ' ') + piece;
    }
  }
  lines.push_back(std::move(line));
  return lines;
}

Lines Layout(size_t indent, absl::string_view text);

// The arguments of `args`, one a line `indent` columns in, each laid out on its own.
Lines OnePerLine(size_t indent, const std::vector<std::string>& args, absl::string_view tail) {
  Lines lines;
  for (size_t i = 0; i < args.size(); ++i) {
    Append(lines, Layout(indent, absl::StrCat(args[i], i + 1 < args.size() ? "," : tail)));
  }
  return lines;
}

// Breaks a statement at its bracket group `head`( `args` )`tail`, in the order the file
// comment gives.
Lines LayoutGroup(size_t indent, absl::string_view text, size_t open, size_t close) {
  const std::string pad(indent, ' ');
  absl::string_view head = text.substr(0, open + 1);
  absl::string_view tail = text.substr(close);
  std::vector<std::string> args = SplitTopLevel(text.substr(open + 1, close - open - 1), ',');
  if (args.empty()) return {absl::StrCat(pad, text)};
  const bool head_fits = indent + head.size() <= static_cast<size_t>(kColumnLimit);
  Lines packed = Pack(std::string(indent + 4, ' '), indent + 4, args, tail);
  if (head_fits) {
    // Aligned with the bracket, unless breaking after it takes fewer lines.
    Lines aligned = Pack(absl::StrCat(pad, head), indent + head.size(), args, tail);
    if (AllFit(aligned) && (!AllFit(packed) || aligned.size() <= packed.size() + 1)) {
      return aligned;
    }
    Lines lines = {absl::StrCat(pad, head)};
    Append(lines, AllFit(packed) ? std::move(packed) : OnePerLine(indent + 4, args, tail));
    if (AllFit(lines)) return lines;
  }
  size_t space = LastTopLevelSpace(head);
  if (text[open] == '(' && space != kNotFound && !absl::StartsWith(head, "return ")) {
    Lines lines = Layout(indent, head.substr(0, space));
    Append(lines, Layout(indent, text.substr(space + 1)));
    if (AllFit(lines)) return lines;
  }
  // The head alone is too long: lay it out first, then the arguments after its last
  // line if they fit there, else below it.
  Lines lines = Layout(indent, head);
  std::string last = absl::StrCat(lines.back(), absl::StrJoin(args, ", "), tail);
  if (last.size() <= static_cast<size_t>(kColumnLimit)) {
    lines.back() = std::move(last);
    return lines;
  }
  Append(lines, AllFit(packed) ? std::move(packed) : OnePerLine(indent + 4, args, tail));
  return lines;
}

// The group `text` breaks at: its last bracket group outside any other, or, when that is
// a template's one argument that is itself a template too long for a line of its own
// (make_unique<Handler<Service, Req, Resp>>), the inner template's arguments, so that
// the outer name stays on the first line.
bool BreakingGroup(size_t indent, absl::string_view text, size_t& open, size_t& close) {
  if (!LastTopLevelGroup(text, open, close)) return false;
  while (text[open] == '<') {
    absl::string_view inner = text.substr(open + 1, close - open - 1);
    size_t inner_open = 0;
    size_t inner_close = 0;
    if (SplitTopLevel(inner, ',').size() != 1 ||
        !LastTopLevelGroup(inner, inner_open, inner_close) || inner[inner_open] != '<' ||
        inner_close + 1 != inner.size() ||
        indent + 4 + text.size() - open - 1 <= static_cast<size_t>(kColumnLimit)) {
      break;
    }
    close = open + 1 + inner_close;
    open = open + 1 + inner_open;
  }
  return true;
}

// `text`, one statement, as lines starting `indent` columns in.
Lines Layout(size_t indent, absl::string_view text) {
  const std::string pad(indent, ' ');
  if (indent + text.size() <= static_cast<size_t>(kColumnLimit)) {
    return {absl::StrCat(pad, text)};
  }
  // A constructor's initializers, or a class's bases, start a line of their own.
  if (size_t colon = FindTopLevel(text, " : "); colon != kNotFound) {
    Lines lines = Layout(indent, text.substr(0, colon));
    Append(lines, Layout(indent + 4, text.substr(colon + 1)));
    return lines;
  }
  size_t open = 0;
  size_t close = 0;
  if (!BreakingGroup(indent, text, open, close)) return {absl::StrCat(pad, text)};
  // A function body of one statement: the statement on a line of its own.
  absl::string_view body = text.substr(open + 1, close - open - 1);
  if (text[open] == '{' && FindTopLevel(body, ";") != kNotFound) {
    Lines lines = Layout(indent, text.substr(0, open + 1));
    Append(lines, Layout(indent + 2, absl::StripAsciiWhitespace(body)));
    lines.push_back(absl::StrCat(pad, text.substr(close)));
    return lines;
  }
  return LayoutGroup(indent, text, open, close);
}

// Whether `statement`, with `open` brackets left open, is complete: a declaration or
// statement ends in ';', a block's opening or closing in '{' or '}', an access
// specifier in ':'. Anything else continues on the next line.
bool Ends(absl::string_view statement, int open) {
  return open <= 0 && !statement.empty() &&
         absl::string_view(";{}:").find(statement.back()) != absl::string_view::npos;
}

// Joins a continuation line to the statement before it, without the space a line
// break inside brackets stands for.
void JoinLine(std::string& statement, absl::string_view next) {
  if (!IsOpening(statement.back()) && !IsClosing(next.front())) {
    statement += ' ';
  }
  absl::StrAppend(&statement, next);
}

}  // namespace

std::string WrapLines(absl::string_view code) {
  std::vector<absl::string_view> lines = absl::StrSplit(code, '\n');
  Lines out;
  for (size_t i = 0; i < lines.size();) {
    if (PassesThrough(lines[i])) {
      out.emplace_back(lines[i++]);
      continue;
    }
    absl::string_view first = absl::StripLeadingAsciiWhitespace(lines[i]);
    const size_t indent = lines[i].size() - first.size();
    std::string statement(absl::StripTrailingAsciiWhitespace(first));
    int open = OpenBrackets(statement);
    for (++i; i < lines.size() && !PassesThrough(lines[i]) && !Ends(statement, open); ++i) {
      absl::string_view next = absl::StripAsciiWhitespace(lines[i]);
      JoinLine(statement, next);
      open += OpenBrackets(next);
    }
    Append(out, Layout(indent, statement));
  }
  return absl::StrJoin(out, "\n");
}

}  // namespace forkrpc::plugin
