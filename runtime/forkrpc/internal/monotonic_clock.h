// monotonic_clock.h: the monotonic clock in nanoseconds, read straight from the vDSO.
// It costs less than absl::Now(), which matters where it is read per call (the
// watchdog, each time a watcher leaves to run a call) or per try (busy polling).
#ifndef FORKRPC_INTERNAL_MONOTONIC_CLOCK_H_
#define FORKRPC_INTERNAL_MONOTONIC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace forkrpc::internal {

inline int64_t MonotonicNanos() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_MONOTONIC_CLOCK_H_
