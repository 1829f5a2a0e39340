// busy_poll.h: whether a reader about to sleep in the receive for a packet polls the
// socket first, and for how long. A peer running on another CPU answers a request in
// a few microseconds, but a thread that went to sleep is woken only after its CPU is,
// which where the CPU went idle costs tens of microseconds each way (about 25 each
// way on the development machine, against about 5 for a whole polled round trip). A peer
// that shares our CPU cannot answer while we poll, though, so there polling only burns
// its budget. BusyPoll learns which case holds from how its polls end: each one that
// does not pay doubles the number of waits that skip polling (1, 2, 4, ... up to
// kMaxSkippedWaits), and one that pays makes every wait poll again.
#ifndef FORKRPC_INTERNAL_BUSY_POLL_H_
#define FORKRPC_INTERNAL_BUSY_POLL_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "forkrpc/internal/monotonic_clock.h"

namespace forkrpc::internal {

// How a poll ended.
enum class PollOutcome {
  kAtOnce,       // the first try found something: polling neither helped nor cost
  kArrived,      // something came while the thread polled, running throughout
  kInterrupted,  // the thread was off its CPU meanwhile: the peer may share it
  kExpired,      // the budget ran out
};

// INVALID_ARGUMENT naming `budget` unless it is a budget BusyPoll takes, from zero to
// BusyPoll::kMaxBudget.
absl::Status CheckBusyPollBudget(absl::Duration budget);

// Used by one thread at a time (the connection's reader).
class BusyPoll {
 public:
  // The longest budget: polling longer than this is no longer a short bet.
  static constexpr absl::Duration kMaxBudget = absl::Milliseconds(1);
  // A new connection's first waits do not poll: they are for the hello, the first
  // request, the first reply, which come after a process started or a call was set up
  // on either side; a helper that answers a call or two and exits never polls.
  static constexpr uint32_t kWaitsBeforeFirstPoll = 16;
  // The most waits in a row that skip polling after polls that did not pay.
  static constexpr uint32_t kMaxSkippedWaits = 4096;
  // A gap this long between two tries means the thread was off its CPU: a try is a
  // system call of a microsecond or less.
  static constexpr int64_t kOffCpuGapNanos = 10'000;

  // A clock in nanoseconds: MonotonicNanos (monotonic_clock.h) but in tests.
  using Clock = int64_t (*)();

  // Polls for up to `budget`; a zero budget never polls. Tests pass a clock of their own.
  explicit BusyPoll(absl::Duration budget, Clock clock = MonotonicNanos);

  // Whether the coming wait polls first. A wait that does not counts towards the skip.
  bool ShouldPoll();

  // Calls `try_once` until it returns true (something came, or the connection ended),
  // the budget passes, or the thread turns out to have been off its CPU; learns from
  // how that ended. True when `try_once` did.
  bool Poll(absl::FunctionRef<bool()> try_once);

  // What the last Poll learned from, for tests.
  PollOutcome last_outcome() const { return last_outcome_; }

 private:
  void Learn(PollOutcome outcome);

  const int64_t budget_nanos_;
  const Clock clock_;
  uint32_t skip_ = kWaitsBeforeFirstPoll;  // waits left that do not poll
  uint32_t backoff_ = 0;                   // the skip the next poll that does not pay sets
  PollOutcome last_outcome_ = PollOutcome::kAtOnce;
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_BUSY_POLL_H_
