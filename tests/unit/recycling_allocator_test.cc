// recycling_allocator_test: the block of an object made with allocate_shared and
// dropped serves the next object of its type made on the same thread; objects alive
// together get blocks of their own; a block dropped on another thread stays usable;
// every object is constructed and destroyed once whatever block it lands in.
#include "forkrpc/internal/recycling_allocator.h"

#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace forkrpc::internal {
namespace {

struct Counted {
  explicit Counted(std::string name) : name(std::move(name)) { ++alive; }
  ~Counted() { --alive; }
  std::string name;
  static inline int alive = 0;
};

std::shared_ptr<Counted> Make(std::string name) {
  return std::allocate_shared<Counted>(RecyclingAllocator<Counted>(), std::move(name));
}

TEST(RecyclingAllocatorTest, DroppedBlockServesTheNextObject) {
  const Counted* first_address;
  {
    std::shared_ptr<Counted> first = Make("first");
    first_address = first.get();
  }
  std::shared_ptr<Counted> second = Make("second");
  EXPECT_EQ(second.get(), first_address);
  EXPECT_EQ(second->name, "second");
  EXPECT_EQ(Counted::alive, 1);
}

TEST(RecyclingAllocatorTest, ObjectsAliveTogetherGetBlocksOfTheirOwn) {
  std::shared_ptr<Counted> a = Make("a");
  std::shared_ptr<Counted> b = Make("b");
  std::shared_ptr<Counted> c = Make("c");
  EXPECT_NE(a.get(), b.get());
  EXPECT_NE(b.get(), c.get());
  EXPECT_NE(a.get(), c.get());
  // Dropped together: one block is kept, the others go back to the heap.
  a.reset();
  b.reset();
  c.reset();
  EXPECT_EQ(Counted::alive, 0);
  std::shared_ptr<Counted> d = Make("d");
  std::shared_ptr<Counted> e = Make("e");
  EXPECT_NE(d.get(), e.get());
  EXPECT_EQ(d->name, "d");
  EXPECT_EQ(e->name, "e");
  EXPECT_EQ(Counted::alive, 2);
}

TEST(RecyclingAllocatorTest, BlockDroppedOnAnotherThreadIsUsableThere) {
  std::shared_ptr<Counted> made_here = Make("here");
  const Counted* address = made_here.get();
  std::thread([&made_here, address] {
    made_here.reset();  // becomes this thread's spare
    std::shared_ptr<Counted> made_there = Make("there");
    EXPECT_EQ(made_there.get(), address);
    EXPECT_EQ(made_there->name, "there");
    // The spare freed when the thread ends is this block again.
  }).join();
  EXPECT_EQ(Counted::alive, 0);
  std::shared_ptr<Counted> again = Make("again");
  EXPECT_EQ(again->name, "again");
}

}  // namespace
}  // namespace forkrpc::internal
