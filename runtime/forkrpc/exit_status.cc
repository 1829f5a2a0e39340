#include "forkrpc/exit_status.h"

#include <sys/wait.h>

#include "forkrpc/internal/pidfd.h"

namespace forkrpc {

std::string ExitStatus::ToString() const {
  internal::ProcessEnd end;
  end.code = !signaled_ ? CLD_EXITED : (core_dumped_ ? CLD_DUMPED : CLD_KILLED);
  end.status = value_;
  return internal::DescribeProcessEnd(end);
}

}  // namespace forkrpc
