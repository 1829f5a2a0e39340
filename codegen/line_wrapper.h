// line_wrapper.h: fits generated code into 100 columns the way our clang-format style
// (Google, 100 columns) lays out the few shapes the templates make: declarations, calls,
// braced initializers and constructor initializers. Type names grow with the package, so
// no fixed template can fit them all; templates break lines where typical names need it,
// and WrapLines treats those breaks as hints only: it joins each statement (up to its
// ';', '{', '}' or ':') back into one line, then breaks it where the real names need it.
//
// A statement that fits stays on one line. One that does not is broken at its last
// bracket group outside any other (the parameter or argument list), trying in turn:
//   1. the arguments packed after the bracket, aligned with it;
//   2. the bracket ending the line and the arguments packed 4 columns further in;
//   3. a declaration's return type on a line of its own, the rest laid out again;
//   4. one argument a line, 4 columns in, each laid out again the same way (as is the
//      part before the bracket when it alone is too long).
// A constructor's initializer goes to its own line first, a one-statement function body
// that does not fit to lines of its own. Comments and preprocessor lines pass unchanged,
// as does anything that cannot be broken; the result is stable under a second pass.
#ifndef FORKRPC_CODEGEN_LINE_WRAPPER_H_
#define FORKRPC_CODEGEN_LINE_WRAPPER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace forkrpc::plugin {

inline constexpr int kColumnLimit = 100;

// `code`, a whole generated file, with its statements laid out as above.
std::string WrapLines(absl::string_view code);

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_LINE_WRAPPER_H_
