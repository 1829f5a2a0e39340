#include "tests/support/process_hygiene.h"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace forkrpc::testing {

std::set<std::string> OpenDescriptors() {
  std::set<std::string> result;
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return result;
  int own = ::dirfd(directory);
  while (dirent* entry = ::readdir(directory)) {
    std::string name = entry->d_name;
    if (name == "." || name == ".." || name == std::to_string(own)) continue;
    char target[PATH_MAX];
    ssize_t length =
        ::readlink(absl::StrCat("/proc/self/fd/", name).c_str(), target, sizeof(target) - 1);
    std::string what = length > 0 ? std::string(target, static_cast<size_t>(length)) : "?";
    result.insert(absl::StrCat(name, " -> ", what));
  }
  ::closedir(directory);
  return result;
}

void ProcessHygiene::Check() const {
  std::set<std::string> now = OpenDescriptors();
  std::set<std::string> leaked, closed;
  for (const std::string& fd : now) {
    if (descriptors_.count(fd) == 0) leaked.insert(fd);
  }
  for (const std::string& fd : descriptors_) {
    if (now.count(fd) == 0) closed.insert(fd);
  }
  EXPECT_TRUE(leaked.empty()) << "descriptors left open: " << absl::StrJoin(leaked, ", ");
  EXPECT_TRUE(closed.empty()) << "descriptors closed that the test did not own: "
                              << absl::StrJoin(closed, ", ");
  int status;
  pid_t child = ::waitpid(-1, &status, WNOHANG);
  EXPECT_TRUE(child == -1 && errno == ECHILD)
      << "a child process is left: waitpid returned " << child
      << (child == 0 ? " (still running)" : " (a zombie, reaped now)");
}

std::string SocketTypeParamName(const ::testing::TestParamInfo<SocketType>& info) {
  return info.param == SocketType::kSeqPacket ? "SeqPacket" : "Datagram";
}

}  // namespace forkrpc::testing
