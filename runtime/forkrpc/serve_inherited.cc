#include "forkrpc/serve_inherited.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "forkrpc/internal/helper_launch.h"

namespace forkrpc {

absl::Status ServeInherited(Server& server) {
  const char* value = std::getenv(kInheritedSocketVariable);
  if (value == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("ServeInherited: ", kInheritedSocketVariable,
                     " is not set: this program was not started by forkrpc::SpawnExec"));
  }
  int fd = -1;
  if (!absl::SimpleAtoi(value, &fd) || fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat("ServeInherited: ", kInheritedSocketVariable,
                                                   "=\"", value, "\" is not a descriptor number"));
  }
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("ServeInherited: descriptor ", fd, " (",
                                                      kInheritedSocketVariable, ") is not open"));
  }
  return internal::ServeParent(server, UniqueFd(fd), ::getppid(), absl::InfiniteDuration());
}

}  // namespace forkrpc
