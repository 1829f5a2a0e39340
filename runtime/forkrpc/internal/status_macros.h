// status_macros.h: early return on error for .cc files, under the names newer Abseil
// uses, so moving to them later is a rename. Not for public headers.
#ifndef FORKRPC_INTERNAL_STATUS_MACROS_H_
#define FORKRPC_INTERNAL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function unless it is OK.
#define FORKRPC_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::absl::Status forkrpc_status_ = (expr);           \
    if (!forkrpc_status_.ok()) return forkrpc_status_; \
  } while (false)

#define FORKRPC_STATUS_CONCAT_INNER_(a, b) a##b
#define FORKRPC_STATUS_CONCAT_(a, b) FORKRPC_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status on error, otherwise
// moves its value into `lhs`, which may be a declaration: FORKRPC_ASSIGN_OR_RETURN(auto x, F());
#define FORKRPC_ASSIGN_OR_RETURN(lhs, rexpr) \
  FORKRPC_ASSIGN_OR_RETURN_IMPL_(FORKRPC_STATUS_CONCAT_(forkrpc_statusor_, __LINE__), lhs, rexpr)

#define FORKRPC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // FORKRPC_INTERNAL_STATUS_MACROS_H_
