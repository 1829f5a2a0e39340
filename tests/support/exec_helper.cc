// exec_helper: the program SpawnExec tests run as a helper. It serves the test services
// through ServeInherited; its arguments make it report on itself or misbehave:
//   exec_helper                    serves
//   exec_helper --report FD ...    first writes a line to FD: "args=<its arguments after
//                                  FD, space-separated> socket=<FORKRPC_FD> fds=<its open
//                                  descriptors, comma-separated>"
//   exec_helper --register-twice   a registration error, which SpawnExec returns
//   exec_helper --exit CODE        exits with CODE before serving
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "forkrpc/forkrpc.h"
#include "tests/support/process_hygiene.h"
#include "tests/support/test_service.h"

namespace {

// This process's open descriptors, in order, as "0,1,2,...".
std::string OpenDescriptorList() {
  std::vector<int> fds;
  for (const std::string& entry : forkrpc::testing::OpenDescriptors()) {
    int fd = -1;  // an entry reads "3 -> socket:[1234]"
    if (absl::SimpleAtoi(entry.substr(0, entry.find(' ')), &fd)) fds.push_back(fd);
  }
  std::sort(fds.begin(), fds.end());
  return absl::StrJoin(fds, ",");
}

}  // namespace

int main(int argc, char** argv) {
  forkrpc::Server server;
  server.Register(std::make_unique<forkrpc::testing::TestServiceImpl>());
  server.Register(std::make_unique<forkrpc::testing::CalcImpl>());
  std::vector<std::string> args(argv + 1, argv + argc);
  int report_fd = -1;
  int exit_code = 0;
  if (args.size() >= 2 && args[0] == "--report" && absl::SimpleAtoi(args[1], &report_fd)) {
    std::string line = absl::StrCat("args=", absl::StrJoin(args.begin() + 2, args.end(), " "),
                                    " socket=", std::getenv(forkrpc::kInheritedSocketVariable),
                                    " fds=", OpenDescriptorList(), "\n");
    [[maybe_unused]] ssize_t written = ::write(report_fd, line.data(), line.size());
  } else if (args.size() == 1 && args[0] == "--register-twice") {
    server.Register(std::make_unique<forkrpc::testing::CalcImpl>());
  } else if (args.size() == 2 && args[0] == "--exit" && absl::SimpleAtoi(args[1], &exit_code)) {
    return exit_code;
  }
  absl::Status status = forkrpc::ServeInherited(server);
  if (!status.ok()) std::fprintf(stderr, "exec_helper: %s\n", status.ToString().c_str());
  return status.ok() ? 0 : 1;
}
