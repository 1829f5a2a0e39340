// call_table_test: call ids are never 0 and compare by serial-number arithmetic, so they
// wrap; a server admits any id not in flight, in any order; WasUsed tells a late frame
// for an ended call from one for an id never reached; the table holds the calls, however
// many and in whatever order they come and go.
#include "forkrpc/internal/call_table.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "forkrpc/internal/frame.h"
#include "gtest/gtest.h"

namespace forkrpc::internal {
namespace {

TEST(CallTableIdTest, FirstIdIsOneAndIdsCountUp) {
  CallTable<CallState> table;
  EXPECT_EQ(table.NextId(), 1u);
  EXPECT_EQ(table.NextId(), 2u);
  EXPECT_EQ(table.NextId(), 3u);
}

// Runs the 32-bit counter all the way round: 2^32 - 1 ids, 0 never among them.
TEST(CallTableIdTest, IdsSkipZeroWhenTheyWrap) {
  CallTable<CallState> table;
  ASSERT_EQ(table.NextId(), 1u);
  bool saw_zero = false;
  uint32_t last = 0;
  for (uint32_t i = 1; i < 0xffffffff; ++i) {
    last = table.NextId();
    saw_zero |= last == 0;
  }
  EXPECT_FALSE(saw_zero);
  EXPECT_EQ(last, 0xffffffffu);
  EXPECT_EQ(table.NextId(), 1u);
  EXPECT_TRUE(table.WasUsed(1));
}

TEST(CallTableIdTest, IssuedIdsAreUsed) {
  CallTable<CallState> table;
  uint32_t first = table.NextId();
  uint32_t second = table.NextId();
  EXPECT_TRUE(table.WasUsed(first));
  EXPECT_TRUE(table.WasUsed(second));
}

TEST(CallTableIdTest, IdsNotYetIssuedAreNotUsed) {
  CallTable<CallState> table;
  EXPECT_FALSE(table.WasUsed(1));
  uint32_t id = table.NextId();
  EXPECT_FALSE(table.WasUsed(id + 1));
  EXPECT_FALSE(table.WasUsed(id + 1000));
}

TEST(CallTableIdTest, IdZeroIsNeverUsed) {
  CallTable<CallState> table;
  table.NextId();
  EXPECT_FALSE(table.WasUsed(0));
  ASSERT_TRUE(table.Admit(5));
  EXPECT_FALSE(table.WasUsed(0));
}

TEST(CallTableAdmitTest, AdmitsAnyNonzeroFirstId) {
  CallTable<CallState> table;
  EXPECT_TRUE(table.Admit(1234));
  EXPECT_TRUE(table.WasUsed(1234));
}

TEST(CallTableAdmitTest, RejectsIdZero) {
  CallTable<CallState> table;
  EXPECT_FALSE(table.Admit(0));
}

TEST(CallTableAdmitTest, RejectsTheIdOfACallInFlight) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(7));
  table.Insert(std::make_shared<CallState>(7, false));
  EXPECT_FALSE(table.Admit(7));
}

TEST(CallTableAdmitTest, AdmitsTheIdOfACallThatEnded) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(7));
  table.Insert(std::make_shared<CallState>(7, false));
  table.Remove(7);
  EXPECT_TRUE(table.Admit(7));
}

// Two client threads may take ids 7 and 8 and send their CALL_STARTs the other way round.
TEST(CallTableAdmitTest, AdmitsIdsOutOfOrder) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(8));
  EXPECT_TRUE(table.Admit(7));
  EXPECT_TRUE(table.WasUsed(7));
  EXPECT_TRUE(table.WasUsed(8));
  EXPECT_FALSE(table.WasUsed(9));
}

TEST(CallTableAdmitTest, AdmitsNewerIdsWithGaps) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(1));
  EXPECT_TRUE(table.Admit(10));
  EXPECT_TRUE(table.WasUsed(10));
  EXPECT_FALSE(table.WasUsed(11));
}

TEST(CallTableAdmitTest, NewestIdFollowsTheWrap) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(0xfffffffe));
  ASSERT_TRUE(table.Admit(0xffffffff));
  ASSERT_TRUE(table.Admit(1));  // the client skips 0
  EXPECT_TRUE(table.WasUsed(0xffffffff));
  EXPECT_TRUE(table.WasUsed(1));
  EXPECT_FALSE(table.WasUsed(2));
}

TEST(CallTableAdmitTest, OlderIdDoesNotMoveTheNewestBack) {
  CallTable<CallState> table;
  ASSERT_TRUE(table.Admit(100));
  ASSERT_TRUE(table.Admit(50));
  EXPECT_TRUE(table.WasUsed(100));
}

TEST(CallTableMapTest, FindsAnInsertedCall) {
  CallTable<CallState> table;
  auto call = std::make_shared<CallState>(3, false);
  table.Insert(call);
  EXPECT_EQ(table.Find(3), call.get());
  EXPECT_EQ(table.Find(4), nullptr);
  EXPECT_EQ(table.size(), 1u);
}

TEST(CallTableMapTest, RemoveReturnsTheCallAndForgetsIt) {
  CallTable<CallState> table;
  auto call = std::make_shared<CallState>(3, true);
  table.Insert(call);
  EXPECT_EQ(table.Remove(3), call);
  EXPECT_EQ(table.Find(3), nullptr);
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Remove(3), nullptr);
}

TEST(CallTableMapTest, TakeAllEmptiesTheTable) {
  CallTable<CallState> table;
  table.Insert(std::make_shared<CallState>(1, false));
  table.Insert(std::make_shared<CallState>(2, false));
  std::vector<std::shared_ptr<CallState>> calls = table.TakeAll();
  EXPECT_EQ(calls.size(), 2u);
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Find(1), nullptr);
}

TEST(CallTableMapTest, ManyCallsComeAndGoInAnyOrder) {
  CallTable<CallState> table;
  std::vector<std::shared_ptr<CallState>> calls;
  for (uint32_t id = 1; id <= 5; ++id) {
    calls.push_back(std::make_shared<CallState>(id, false));
    table.Insert(calls.back());
  }
  EXPECT_EQ(table.size(), 5u);
  EXPECT_FALSE(table.Admit(1));  // the first call, still in flight
  EXPECT_EQ(table.Remove(1), calls[0]);
  EXPECT_EQ(table.Remove(4), calls[3]);
  EXPECT_EQ(table.size(), 3u);
  for (uint32_t id : {2, 3, 5}) EXPECT_EQ(table.Find(id), calls[id - 1].get()) << id;
  EXPECT_EQ(table.Find(1), nullptr);
  EXPECT_EQ(table.Find(4), nullptr);

  // New calls take the places the ended ones left.
  auto sixth = std::make_shared<CallState>(6, false);
  auto seventh = std::make_shared<CallState>(7, false);
  table.Insert(sixth);
  table.Insert(seventh);
  EXPECT_EQ(table.size(), 5u);
  EXPECT_EQ(table.Find(6), sixth.get());
  EXPECT_EQ(table.Find(7), seventh.get());
  EXPECT_FALSE(table.Admit(7));

  std::vector<std::shared_ptr<CallState>> taken = table.TakeAll();
  std::vector<uint32_t> ids;
  for (const auto& call : taken) ids.push_back(call->id());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint32_t>{2, 3, 5, 6, 7}));
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Find(6), nullptr);
}

// A STATUS frame takes its call out: the frame's reader gets the table's reference, a
// late frame for the same id finds nothing, and an id never admitted is an error.
TEST(CallTableMapTest, TakeForHandsOverTheCallOnce) {
  CallTable<CallState> table;
  for (uint32_t id : {7, 8}) {
    ASSERT_TRUE(table.Admit(id));
    table.Insert(std::make_shared<CallState>(id, false));  // 7 first, 8 beside it
  }
  FrameHeader header;
  header.type = FrameType::kStatus;
  for (uint32_t id : {8, 7}) {
    header.call_id = id;
    absl::StatusOr<std::shared_ptr<CallState>> taken = table.TakeFor(header);
    ASSERT_TRUE(taken.ok()) << taken.status();
    ASSERT_NE(*taken, nullptr) << id;
    EXPECT_EQ((*taken)->id(), id);
    EXPECT_EQ(taken->use_count(), 1) << "the table keeps no reference to call " << id;
    EXPECT_EQ(table.Find(id), nullptr);

    absl::StatusOr<std::shared_ptr<CallState>> late = table.TakeFor(header);
    ASSERT_TRUE(late.ok()) << late.status();
    EXPECT_EQ(*late, nullptr) << id;
  }
  EXPECT_TRUE(table.empty());
  header.call_id = 9;
  absl::StatusOr<std::shared_ptr<CallState>> never = table.TakeFor(header);
  EXPECT_FALSE(never.ok());
  EXPECT_NE(never.status().message().find("call id 9, which was never started"), std::string::npos)
      << never.status();
}

TEST(CallTableMapTest, RemovedIdStaysUsed) {
  CallTable<CallState> table;
  uint32_t id = table.NextId();
  table.Insert(std::make_shared<CallState>(id, false));
  table.Remove(id);
  EXPECT_TRUE(table.WasUsed(id));
}

}  // namespace
}  // namespace forkrpc::internal
