// event_set.h: a few descriptors registered once in an epoll set and waited on together
// with a deadline. A connection's reader waits for its socket, its wake-up eventfd and
// its peer's pidfd before every read; registering them once spares the kernel setting
// up and tearing down three waits per read, which poll(2) does every time.
#ifndef FORKRPC_INTERNAL_EVENT_SET_H_
#define FORKRPC_INTERNAL_EVENT_SET_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forkrpc/unique_fd.h"

namespace forkrpc::internal {

// Used by one thread at a time.
class EventSet {
 public:
  // At most this many descriptors; each is named by its slot, 0 to kMaxSlots - 1.
  static constexpr int kMaxSlots = 8;

  static absl::StatusOr<EventSet> Create();

  // Registers `fd` under `slot` for `events` (EPOLLIN, EPOLLOUT; level-triggered).
  absl::Status Add(int slot, int fd, uint32_t events);
  // Changes the events `slot` waits for.
  absl::Status Modify(int slot, uint32_t events);

  // What one Wait saw: the events of each slot, 0 for a slot that reported nothing.
  struct Ready {
    uint32_t events[kMaxSlots] = {};
    int count = 0;  // slots that reported something; 0 when the deadline passed
  };
  // Waits until a registered descriptor reports an event or `deadline` passes. Retries
  // EINTR with the time that is left.
  absl::StatusOr<Ready> Wait(absl::Time deadline);

 private:
  explicit EventSet(UniqueFd epoll) : epoll_(std::move(epoll)) {}

  UniqueFd epoll_;
  int fds_[kMaxSlots] = {-1, -1, -1, -1, -1, -1, -1, -1};
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_EVENT_SET_H_
