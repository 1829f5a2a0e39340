// child.h: the parent's handle on one helper process made by Spawn: its pid, its name,
// the channel to it, and the means to signal it and wait for it.
//   absl::StatusOr<forkrpc::Child> child = forkrpc::Spawn(setup, {.name = "calc"});
//   demo::Calc::Stub calc(child->channel());
//   ...
//   absl::StatusOr<forkrpc::ExitStatus> end = child->Wait();  // closes, then reaps
//
// Policy for a Child destroyed while its helper runs: the channel is closed, the helper
// is killed with SIGKILL and reaped, so no helper outlives its handle and no zombie is
// left. Call Wait first to let it finish on its own.
#ifndef FORKRPC_CHILD_H_
#define FORKRPC_CHILD_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "forkrpc/channel.h"
#include "forkrpc/exit_status.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc {
namespace internal {
struct ChildAccess;
}  // namespace internal

// Move-only. Thread-compatible: Kill may be called from any thread while no other
// thread moves or destroys the Child; Wait belongs to one thread.
class Child {
 public:
  Child(Child&& other) noexcept = default;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  // The channel to the helper, shared with every stub built on it.
  const std::shared_ptr<Channel>& channel() const { return channel_; }

  // Sends `signal_number` to the helper (through its pidfd, so never to a stranger
  // that reused the pid). FAILED_PRECONDITION once the helper was reaped.
  absl::Status Kill(int signal_number);

  // Closes the parent's end of the channel (calls in flight fail with UNAVAILABLE),
  // waits for the helper to exit, reaps it and returns how it ended. A second call
  // returns the same.
  absl::StatusOr<ExitStatus> Wait();

 private:
  friend struct internal::ChildAccess;
  Child(pid_t pid, std::string name, UniqueFd pidfd, std::shared_ptr<Channel> channel)
      : pid_(pid), name_(std::move(name)), pidfd_(std::move(pidfd)), channel_(std::move(channel)) {}
  // Kills and reaps a helper still running; the destructor's policy.
  void KillAndReap();

  pid_t pid_ = 0;
  std::string name_;
  UniqueFd pidfd_;
  std::shared_ptr<Channel> channel_;
  std::optional<ExitStatus> exit_status_;
};

}  // namespace forkrpc

#endif  // FORKRPC_CHILD_H_
