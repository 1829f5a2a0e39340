// The part of Connection (connection.h) that lets a server's pool threads share the
// socket: one idle thread watches, the others sleep on a watchdog timer.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

#include "absl/time/clock.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/monotonic_clock.h"

namespace forkrpc::internal {
namespace {

// After a call, one first read in this many tries the socket even when trying has been
// finding nothing (Connection::poll_after_work_).
constexpr uint32_t kRetryTryAfterWork = 16;

// A watchdog timer due this close to a new stretch's start is moved to a period after
// it (ArmWatchdogAfterDrop).
constexpr int64_t kWatchdogMoveMarginNanos = 1'000'000;

}  // namespace

absl::Status Connection::EnableWatchdog() {
  watchdog_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!watchdog_.valid()) return ErrnoStatus("timerfd_create", errno);
  work_posted_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE));
  if (!work_posted_.valid()) return ErrnoStatus("eventfd", errno);
  return absl::OkStatus();
}

absl::Status Connection::ReceiveWithoutSlice() {
  if (socket_type_ != SocketType::kSeqPacket) return absl::OkStatus();
  timeval none{};  // zero: receives wait as long as it takes
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none)) != 0) {
    return ErrnoStatus("setsockopt(SO_RCVTIMEO)", errno);
  }
  receive_slice_ = false;
  return absl::OkStatus();
}

int64_t Connection::DropReaderRole() {
  bool handed_over = handover_requested_;
  reader_is_idle_watcher_ = false;
  handover_requested_ = false;
  if (!watchdog_.valid() || handed_over) return 0;
  unwatched_since_nanos_ = MonotonicNanos();
  return unwatched_since_nanos_;
}

bool Connection::TakeWatchdogExpiry() {
  uint64_t expirations;
  if (::read(watchdog_.get(), &expirations, sizeof(expirations)) <= 0) return false;
  watchdog_armed_.store(false, std::memory_order_release);
  return true;
}

absl::Duration Connection::UnwatchedFor() const {
  if (reader_active_) return absl::ZeroDuration();
  return absl::Nanoseconds(MonotonicNanos() - unwatched_since_nanos_);
}

void Connection::ArmWatchdog(absl::Duration delay) {
  if (watchdog_armed_.exchange(true, std::memory_order_acq_rel)) return;
  SetWatchdogTimer(MonotonicNanos() +
                   absl::ToInt64Nanoseconds(std::max(delay, absl::Microseconds(1))));
}

void Connection::ArmWatchdogAfterDrop(int64_t left_at) {
  // Converted once: this runs each time a watcher leaves to run a call, and Debian's
  // Abseil converts out of line.
  static const int64_t period_nanos = absl::ToInt64Nanoseconds(kWatchdogPeriod);
  int64_t due = left_at + period_nanos;
  // Read before the exchange: the timer is usually armed already, and a plain load
  // costs no locked instruction.
  if (!watchdog_armed_.load(std::memory_order_acquire) &&
      !watchdog_armed_.exchange(true, std::memory_order_acq_rel)) {
    SetWatchdogTimer(due);
    return;
  }
  // Still armed for an earlier stretch, which has ended (the socket was watched again
  // since, or it could not have been dropped now). Left alone, the timer fires for
  // nothing, waking a sleeper that finds the socket watched or unwatched only a moment:
  // with short calls coming steadily, once a period, and the call it lands on pays for
  // the wake-up. Moving the timer at every drop would cost each call a system call;
  // moved only when it is about to fire, it costs one every few milliseconds, and a
  // steady run of short calls never wakes anyone.
  if (watchdog_due_nanos_.load(std::memory_order_relaxed) - left_at < kWatchdogMoveMarginNanos) {
    SetWatchdogTimer(due);
  }
}

void Connection::SetWatchdogTimer(int64_t due) {
  watchdog_due_nanos_.store(due, std::memory_order_relaxed);
  itimerspec timer{};
  timer.it_value.tv_sec = due / 1'000'000'000;
  timer.it_value.tv_nsec = due % 1'000'000'000;
  ::timerfd_settime(watchdog_.get(), TFD_TIMER_ABSTIME, &timer, nullptr);
}

void Connection::NotifyIdleThread() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(work_posted_.get(), &one, sizeof(one));
}

bool Connection::ClaimWatch(bool after_watchdog, absl::Duration* too_soon_by) {
  *too_soon_by = absl::ZeroDuration();
  if (reader_active_ || !failure_.ok()) return false;
  if (after_watchdog && watchdog_.valid()) {
    // The socket may have gone unwatched only a moment ago, by a thread that is about
    // to watch again: take over only after a whole period.
    *too_soon_by = kWatchdogPeriod - absl::Nanoseconds(MonotonicNanos() - unwatched_since_nanos_);
    if (*too_soon_by > absl::ZeroDuration()) return false;
  }
  reader_active_ = true;
  reader_is_idle_watcher_ = true;
  handover_requested_ = false;
  return true;
}

void Connection::Watch(Work* work, absl::FunctionRef<void()> leaving_for_work) {
  if (control_queued_.load(std::memory_order_acquire)) FlushControlQueue(Flusher::kReader);
  bool judging_try = false;  // this first read tries after a call, and shows if that pays
  if (watching_after_work_) {
    watching_after_work_ = false;
    if (!batch_rest_.empty()) {
      // More frames of the last BATCH wait in the buffer.
    } else if (poll_after_work_ && ++reads_after_work_ % kRetryTryAfterWork != 0) {
      expect_data_ = false;
    } else {
      judging_try = expect_data_;
    }
  }
  dispatching_for_watch_ = true;
  for (;;) {
    if (!expect_data_ && BlockingReceiveAllowed(absl::InfiniteFuture())) {
      ReceiveWithinSlice(work);
    } else {
      if (!expect_data_) {
        absl::StatusOr<ReaderEvents> events = WaitForEvents(absl::InfiniteFuture());
        if (!events.ok()) {
          Fail(Annotate(events.status(), "wait for frames"));
          break;
        }
        if (events->woken) break;  // a caller wants the socket, or the session wants attention
        if (!events->readable) {
          if (events->peer_exited) PeerGone();
          if (failed()) break;
          continue;
        }
      }
      ReceiveAndDispatch(work);
    }
    if (judging_try) {
      judging_try = false;
      poll_after_work_ = !expect_data_;  // the try found nothing
    }
    if (*work) watching_after_work_ = true;
    if (*work || failed()) break;
    absl::MutexLock lock(&mu_);
    if (handover_requested_) break;
  }
  dispatching_for_watch_ = false;
  int64_t left_at;
  {
    absl::MutexLock lock(&mu_);
    reader_active_ = false;
    left_at = DropReaderRole();
    if (*work) leaving_for_work();
  }
  // Unwatched now: if this thread is off to run a long call, another must take over.
  if (left_at != 0) ArmWatchdogAfterDrop(left_at);
}

Connection::IdleWait::IdleWait(Connection& connection, Sleeper sleeper)
    : connection_(connection), sleeper_(sleeper), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_.valid() || !connection.watchdog_.valid()) {
    epoll_.reset();
    return;
  }
  // A pool thread: one sleeper per watchdog expiry and per posted work item. The
  // supervisor: every expiry, as an edge, left for it or a pool thread to take. Every
  // sleeper for the never-drained wake-all eventfd (edge-triggered: each write is an
  // edge).
  bool pool_thread = sleeper == Sleeper::kPoolThread;
  epoll_event watchdog{};
  watchdog.events = EPOLLIN | (pool_thread ? EPOLLEXCLUSIVE : EPOLLET);
  watchdog.data.u32 = 0;
  epoll_event posted{};
  posted.events = EPOLLIN | EPOLLEXCLUSIVE;
  posted.data.u32 = 1;
  epoll_event all{};
  all.events = EPOLLIN | EPOLLET;
  all.data.u32 = 2;
  bool ok = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, connection.watchdog_.get(), &watchdog) == 0 &&
            (!pool_thread || ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD,
                                         connection.work_posted_.get(), &posted) == 0) &&
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, connection.idle_wake_.get(), &all) == 0;
  if (!ok) epoll_.reset();
}

Connection::IdleWait::Reason Connection::IdleWait::Wait() {
  if (!epoll_.valid()) {
    // No epoll set (out of descriptors): nap, then behave as if the watchdog fired.
    ::usleep(static_cast<useconds_t>(absl::ToInt64Microseconds(kWatchdogPeriod)));
    return Reason::kWatchdog;
  }
  // Control frames queued for want of room are retried soon, as no thread may be
  // watching for room.
  int timeout = connection_.control_queued_.load(std::memory_order_acquire) ? 10 : -1;
  epoll_event events[3];
  int count;
  while ((count = ::epoll_wait(epoll_.get(), events, 3, timeout)) < 0 && errno == EINTR) {
  }
  // A reader blocked in a receive without slice would not see the room appear.
  if (connection_.control_queued_.load(std::memory_order_acquire)) {
    connection_.FlushControlQueue(Flusher::kIdleThread);
  }
  Reason reason = Reason::kOther;
  for (int i = 0; i < count; ++i) {
    uint64_t value;
    if (events[i].data.u32 == 0 && sleeper_ == Sleeper::kSupervisor) {
      reason = Reason::kWatchdog;  // taken, if at all, under the lock
    } else if (events[i].data.u32 == 0) {
      // Consume the expiry, then let the next unwatching arm the timer again.
      if (::read(connection_.watchdog_.get(), &value, sizeof(value)) > 0) {
        connection_.watchdog_armed_.store(false, std::memory_order_release);
        reason = Reason::kWatchdog;
      }
    } else if (events[i].data.u32 == 1) {
      if (::read(connection_.work_posted_.get(), &value, sizeof(value)) > 0 &&
          reason != Reason::kWatchdog) {
        reason = Reason::kNotified;
      }
    }
  }
  return reason;
}

}  // namespace forkrpc::internal
