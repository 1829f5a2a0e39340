#include "codegen/template.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace forkrpc::plugin {
namespace {

// Every $name$ of `text` must be in `vars`; "$$" is a literal dollar sign.
void CheckVariables(const Vars& vars, const char* text) {
  const std::string tmpl = text;
  for (size_t open = tmpl.find('$'); open != std::string::npos;) {
    size_t close = tmpl.find('$', open + 1);
    if (close == std::string::npos) {
      std::fprintf(stderr, "protoc-gen-forkrpc: unbalanced '$' in template:%s", text);
      std::abort();
    }
    std::string name = tmpl.substr(open + 1, close - open - 1);
    if (!name.empty() && vars.count(name) == 0) {
      std::fprintf(stderr, "protoc-gen-forkrpc: template uses undefined $%s$:%s", name.c_str(),
                   text);
      std::abort();
    }
    open = tmpl.find('$', close + 1);
  }
}

}  // namespace

void PrintTemplate(const Vars& vars, const char* text, google::protobuf::io::Printer& printer) {
  CheckVariables(vars, text);
  if (*text == '\n') ++text;
  printer.Print(vars, text);
}

}  // namespace forkrpc::plugin
