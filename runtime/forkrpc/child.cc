#include "forkrpc/child.h"

#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/pidfd.h"

namespace forkrpc {
namespace {

ExitStatus ToExitStatus(const internal::ProcessEnd& end) {
  if (end.code == CLD_EXITED) return ExitStatus::Exited(end.status);
  return ExitStatus::Killed(end.status, end.code == CLD_DUMPED);
}

}  // namespace

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = other.pid_;
    name_ = std::move(other.name_);
    pidfd_ = std::move(other.pidfd_);
    channel_ = std::move(other.channel_);
    exit_status_ = std::move(other.exit_status_);
  }
  return *this;
}

Child::~Child() { KillAndReap(); }

void Child::KillAndReap() {
  if (!pidfd_.valid() || exit_status_.has_value()) return;
  if (channel_ != nullptr) channel_->Close();
  internal::PidfdSendSignal(pidfd_.get(), SIGKILL).IgnoreError();
  internal::ReapProcess(pidfd_.get()).IgnoreError();
  pidfd_.reset();
}

absl::Status Child::Kill(int signal_number) {
  if (!pidfd_.valid() || exit_status_.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("kill helper ", name_, " (pid ", pid_, "): it was reaped already"));
  }
  return internal::Annotate(internal::PidfdSendSignal(pidfd_.get(), signal_number),
                            absl::StrCat("kill helper ", name_, " (pid ", pid_, ")"));
}

absl::StatusOr<ExitStatus> Child::Wait() {
  if (exit_status_.has_value()) return *exit_status_;
  if (!pidfd_.valid()) {
    return absl::FailedPreconditionError("wait: this Child holds no helper (moved from?)");
  }
  channel_->Close();
  absl::StatusOr<internal::ProcessEnd> end = internal::ReapProcess(pidfd_.get());
  if (!end.ok()) {
    return internal::Annotate(end.status(),
                              absl::StrCat("wait for helper ", name_, " (pid ", pid_, ")"));
  }
  exit_status_ = ToExitStatus(*end);
  return *exit_status_;
}

}  // namespace forkrpc
