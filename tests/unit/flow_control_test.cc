// flow_control_test: the sender's credit and the receiver's window agree, so a sender
// that follows the rules is never refused and one that breaks them is a protocol error.
#include "forkrpc/internal/flow_control.h"

#include <algorithm>
#include <cstdint>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace forkrpc::internal {
namespace {

using ::forkrpc::testing::IsOk;
using ::forkrpc::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(MessageCostTest, EmptyMessageCostsTheOverhead) {
  EXPECT_EQ(MessageCost(0), kMessageOverhead);
  EXPECT_EQ(MessageCost(1000), kMessageOverhead + 1000);
}

TEST(SendCreditTest, StartsWithAWindowToSpend) {
  SendCredit credit;
  EXPECT_TRUE(credit.CanSend());
  credit.Spend(kStreamWindow - 1);
  EXPECT_TRUE(credit.CanSend());
}

TEST(SendCreditTest, StopsWhenTheWindowIsSpent) {
  SendCredit credit;
  credit.Spend(kStreamWindow);
  EXPECT_FALSE(credit.CanSend());
}

TEST(SendCreditTest, LastMessageMayOverdrawTheWindow) {
  SendCredit credit;
  credit.Spend(kStreamWindow - 1);
  ASSERT_TRUE(credit.CanSend());
  credit.Spend(MessageCost(10 << 20));
  EXPECT_FALSE(credit.CanSend());
}

TEST(SendCreditTest, ReturnedCreditAllowsSendingAgain) {
  SendCredit credit;
  credit.Spend(kStreamWindow);
  ASSERT_THAT(credit.Grant(1), IsOk());
  EXPECT_TRUE(credit.CanSend());
}

TEST(SendCreditTest, ReturningMoreThanWasSpentIsAProtocolError) {
  SendCredit credit;
  credit.Spend(100);
  EXPECT_THAT(credit.Grant(101),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: "),
                             HasSubstr("CREDIT returns 101 bytes but 100 are outstanding"))));
}

TEST(SendCreditTest, ReturningCreditNothingWasSpentForIsAProtocolError) {
  SendCredit credit;
  EXPECT_THAT(credit.Grant(1),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("but 0 are outstanding")));
}

TEST(SendCreditTest, ReturningZeroIsAProtocolError) {
  SendCredit credit;
  credit.Spend(100);
  EXPECT_THAT(credit.Grant(0),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("CREDIT returns 0 bytes")));
}

TEST(SendCreditTest, HugeGrantIsRejectedRatherThanWrapped) {
  SendCredit credit;
  credit.Spend(100);
  EXPECT_THAT(credit.Grant(UINT64_MAX),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("18446744073709551615 bytes")));
}

TEST(ReceiveWindowTest, AcceptsMessagesWithinTheWindow) {
  ReceiveWindow window;
  EXPECT_THAT(window.OnReceived(kStreamWindow - 1), IsOk());
  // The sender still had one byte of credit, so one more message may arrive.
  EXPECT_THAT(window.OnReceived(MessageCost(1 << 20)), IsOk());
}

TEST(ReceiveWindowTest, MessageAfterTheWindowIsFullIsAProtocolError) {
  ReceiveWindow window;
  ASSERT_THAT(window.OnReceived(kStreamWindow), IsOk());
  EXPECT_THAT(window.OnReceived(kMessageOverhead),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(StartsWith("protocol error: "), HasSubstr("sent without credit"),
                             HasSubstr(absl::StrCat("window ", kStreamWindow)))));
}

TEST(ReceiveWindowTest, CreditWaitsUntilHalfAWindowIsConsumed) {
  ReceiveWindow window;
  ASSERT_THAT(window.OnReceived(kStreamWindow), IsOk());
  EXPECT_EQ(window.OnConsumed(kStreamWindow / 2 - 1), 0);
  EXPECT_EQ(window.OnConsumed(1), kStreamWindow / 2);
  EXPECT_EQ(window.OnConsumed(1), 0);
}

TEST(ReceiveWindowTest, ReturnedCreditReopensTheWindow) {
  ReceiveWindow window;
  ASSERT_THAT(window.OnReceived(kStreamWindow), IsOk());
  ASSERT_EQ(window.OnConsumed(kStreamWindow), kStreamWindow);
  EXPECT_THAT(window.OnReceived(kStreamWindow), IsOk());
}

// A sender that sends whenever CanSend() and a receiver that returns whatever OnConsumed
// says, with messages of random sizes: the receiver never refuses, and the sender never
// has more than a window and one message unacknowledged.
TEST(FlowControlTest, SenderThatFollowsTheRulesIsNeverRefused) {
  SendCredit send;
  ReceiveWindow receive;
  std::mt19937 random(7);
  std::uniform_int_distribution<uint64_t> size(0, 40000);
  int64_t in_flight = 0;  // received, not yet consumed
  for (int i = 0; i < 100000; ++i) {
    if (send.CanSend() && random() % 3 != 0) {
      int64_t cost = MessageCost(size(random));
      send.Spend(cost);
      ASSERT_THAT(receive.OnReceived(cost), IsOk()) << "message " << i;
      in_flight += cost;
    } else if (in_flight > 0) {
      int64_t cost = std::min<int64_t>(in_flight, MessageCost(size(random)));
      in_flight -= cost;
      int64_t credit = receive.OnConsumed(cost);
      if (credit > 0) ASSERT_THAT(send.Grant(static_cast<uint64_t>(credit)), IsOk());
    }
    ASSERT_LE(in_flight, kStreamWindow + MessageCost(40000));
  }
}

}  // namespace
}  // namespace forkrpc::internal
