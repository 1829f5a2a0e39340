#include "forkrpc/internal/busy_poll.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace forkrpc::internal {

absl::Status CheckBusyPollBudget(absl::Duration budget) {
  if (budget >= absl::ZeroDuration() && budget <= BusyPoll::kMaxBudget) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("busy_poll ", absl::FormatDuration(budget),
                                                 " is outside [0, ",
                                                 absl::FormatDuration(BusyPoll::kMaxBudget), "]"));
}

BusyPoll::BusyPoll(absl::Duration budget, Clock clock)
    : budget_nanos_(std::max<int64_t>(absl::ToInt64Nanoseconds(budget), 0)), clock_(clock) {}

bool BusyPoll::ShouldPoll() {
  if (budget_nanos_ == 0) return false;
  if (skip_ == 0) return true;
  --skip_;
  return false;
}

bool BusyPoll::Poll(absl::FunctionRef<bool()> try_once) {
  int64_t last = clock_();
  const int64_t until = last + budget_nanos_;
  for (bool first = true;; first = false) {
    bool done = try_once();
    int64_t now = clock_();
    if (now - last > kOffCpuGapNanos) {
      // Whatever came may have come while the peer ran here in our stead.
      Learn(PollOutcome::kInterrupted);
      return done;
    }
    if (done) {
      Learn(first ? PollOutcome::kAtOnce : PollOutcome::kArrived);
      return true;
    }
    if (now >= until) {
      Learn(PollOutcome::kExpired);
      return false;
    }
    last = now;
  }
}

void BusyPoll::Learn(PollOutcome outcome) {
  last_outcome_ = outcome;
  switch (outcome) {
    case PollOutcome::kAtOnce:
      return;
    case PollOutcome::kArrived:
      backoff_ = 0;
      skip_ = 0;
      return;
    case PollOutcome::kInterrupted:
    case PollOutcome::kExpired:
      backoff_ = std::min(std::max<uint32_t>(backoff_ * 2, 1), kMaxSkippedWaits);
      skip_ = backoff_;
      return;
  }
}

}  // namespace forkrpc::internal
