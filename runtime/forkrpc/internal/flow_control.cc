#include "forkrpc/internal/flow_control.h"

#include "absl/strings/str_cat.h"

namespace forkrpc::internal {

absl::Status SendCredit::Grant(uint64_t bytes) {
  int64_t spent = kStreamWindow - available_;
  if (bytes == 0 || bytes > static_cast<uint64_t>(spent)) {
    return absl::InternalError(absl::StrCat("protocol error: CREDIT returns ", bytes, " bytes but ",
                                            spent, " are outstanding"));
  }
  available_ += static_cast<int64_t>(bytes);
  return absl::OkStatus();
}

absl::Status ReceiveWindow::OnReceived(int64_t cost) {
  if (outstanding_ >= kStreamWindow) {
    return absl::InternalError(absl::StrCat("protocol error: stream message sent without credit (",
                                            outstanding_, " bytes outstanding, window ",
                                            kStreamWindow, ")"));
  }
  outstanding_ += cost;
  return absl::OkStatus();
}

int64_t ReceiveWindow::OnConsumed(int64_t cost) {
  consumed_ += cost;
  if (consumed_ < kStreamWindow / 2) return 0;
  int64_t credit = consumed_;
  outstanding_ -= credit;
  consumed_ = 0;
  return credit;
}

}  // namespace forkrpc::internal
