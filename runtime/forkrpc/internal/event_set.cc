#include "forkrpc/internal/event_set.h"

#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "forkrpc/internal/errno_status.h"

namespace forkrpc::internal {
namespace {

// epoll_pwait2(2) takes the timeout as a timespec; kernels before 5.11, and sandboxes
// that filter it, answer ENOSYS, and epoll_wait's milliseconds (rounded up, so a
// deadline is never early) serve instead.
int WaitOnce(int epoll, epoll_event* events, int capacity, absl::Time deadline) {
  static std::atomic<bool> have_pwait2{true};
  if (deadline == absl::InfiniteFuture()) return ::epoll_wait(epoll, events, capacity, -1);
  absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
  if (have_pwait2.load(std::memory_order_relaxed)) {
    timespec timeout = absl::ToTimespec(left);
    int count = ::epoll_pwait2(epoll, events, capacity, &timeout, nullptr);
    if (count >= 0 || errno != ENOSYS) return count;
    have_pwait2.store(false, std::memory_order_relaxed);
  }
  int64_t millis = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ::epoll_wait(epoll, events, capacity,
                      static_cast<int>(std::min<int64_t>(millis, INT32_MAX)));
}

}  // namespace

absl::StatusOr<EventSet> EventSet::Create() {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return ErrnoStatus("epoll_create1", errno);
  return EventSet(std::move(epoll));
}

absl::Status EventSet::Add(int slot, int fd, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u32 = static_cast<uint32_t>(slot);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return ErrnoStatus(absl::StrCat("epoll_ctl(ADD, ", fd, ")"), errno);
  }
  fds_[slot] = fd;
  return absl::OkStatus();
}

absl::Status EventSet::Modify(int slot, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u32 = static_cast<uint32_t>(slot);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fds_[slot], &event) != 0) {
    return ErrnoStatus(absl::StrCat("epoll_ctl(MOD, ", fds_[slot], ")"), errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<EventSet::Ready> EventSet::Wait(absl::Time deadline) {
  epoll_event events[kMaxSlots];
  int count;
  while ((count = WaitOnce(epoll_.get(), events, kMaxSlots, deadline)) < 0) {
    if (errno != EINTR) return ErrnoStatus("epoll_wait", errno);
  }
  Ready ready;
  for (int i = 0; i < count; ++i) {
    uint32_t slot = events[i].data.u32;
    if (slot < kMaxSlots) ready.events[slot] |= events[i].events;
  }
  ready.count = count;
  return ready;
}

}  // namespace forkrpc::internal
