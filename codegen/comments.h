// comments.h: the .proto's comments, carried over as `//` lines before the service or
// method they describe, so the generated header documents itself the way the .proto does.
// Only a declaration's leading comments travel; detached ones describe something else.
#ifndef FORKRPC_CODEGEN_COMMENTS_H_
#define FORKRPC_CODEGEN_COMMENTS_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace forkrpc::plugin {

// The lines of a leading comment as protobuf keeps it (" Adds.\n More.\n"), as C++
// comment lines ("// Adds.", "// More."). Empty for no comment.
std::vector<std::string> CommentLines(const std::string& leading_comments);

// Prints the leading comments of `descriptor` (a service or a method).
template <class DescriptorT>
void PrintLeadingComments(const DescriptorT& descriptor, google::protobuf::io::Printer& printer) {
  google::protobuf::SourceLocation location;
  if (!descriptor.GetSourceLocation(&location)) return;
  for (const std::string& line : CommentLines(location.leading_comments)) {
    // Passed as a value, never as template text: a comment may contain '$'.
    printer.Print({{"line", line}}, "$line$\n");
  }
}

}  // namespace forkrpc::plugin

#endif  // FORKRPC_CODEGEN_COMMENTS_H_
