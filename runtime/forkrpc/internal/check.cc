#include "forkrpc/internal/check.h"

#include <cstdio>
#include <cstdlib>

namespace forkrpc::internal {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "forkrpc: internal check failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}

}  // namespace forkrpc::internal
