// check.h: FORKRPC_CHECK guards forkrpc's own invariants. A failed check is a bug in
// forkrpc, never a reaction to what a peer or caller sent: those become statuses.
#ifndef FORKRPC_INTERNAL_CHECK_H_
#define FORKRPC_INTERNAL_CHECK_H_

namespace forkrpc::internal {

// Prints where and what failed to stderr and aborts.
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);

}  // namespace forkrpc::internal

#define FORKRPC_CHECK(condition) \
  ((condition) ? (void)0 : ::forkrpc::internal::CheckFailed(__FILE__, __LINE__, #condition))

#endif  // FORKRPC_INTERNAL_CHECK_H_
