// exit_status.h: how a helper process ended, as Child::Wait reports it, in the words
// the runtime's statuses use ("exited with status 3", "killed by signal 9 (SIGKILL)").
#ifndef FORKRPC_EXIT_STATUS_H_
#define FORKRPC_EXIT_STATUS_H_

#include <string>

namespace forkrpc {

// A value type. Thread-compatible.
class ExitStatus {
 public:
  static ExitStatus Exited(int code) { return ExitStatus(false, code, false); }
  static ExitStatus Killed(int signal_number, bool core_dumped = false) {
    return ExitStatus(true, signal_number, core_dumped);
  }

  // The process called exit or _exit; exit_code() says with what.
  bool exited() const { return !signaled_; }
  int exit_code() const { return signaled_ ? -1 : value_; }
  // A signal ended the process; signal_number() says which.
  bool signaled() const { return signaled_; }
  int signal_number() const { return signaled_ ? value_ : 0; }
  bool core_dumped() const { return core_dumped_; }
  // Exited with status 0.
  bool success() const { return !signaled_ && value_ == 0; }

  // "exited with status 3", "killed by signal 9 (SIGKILL)".
  std::string ToString() const;

  friend bool operator==(const ExitStatus& a, const ExitStatus& b) {
    return a.signaled_ == b.signaled_ && a.value_ == b.value_ && a.core_dumped_ == b.core_dumped_;
  }
  friend bool operator!=(const ExitStatus& a, const ExitStatus& b) { return !(a == b); }

 private:
  ExitStatus(bool signaled, int value, bool core_dumped)
      : signaled_(signaled), value_(value), core_dumped_(core_dumped) {}

  bool signaled_;
  int value_;
  bool core_dumped_;
};

}  // namespace forkrpc

#endif  // FORKRPC_EXIT_STATUS_H_
