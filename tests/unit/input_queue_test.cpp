// Tests for InputQueue, the bounded hand-off of a watch job's list: order, the end of the
// input, the wake-up, and the bound.
#include "input/input_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/sample_records.hpp"

namespace sluice {
namespace {

using namespace detail;
using test::numbered_item;

TEST(InputQueueTest, TryPopReportsEmptyThenDrained) {
  InputQueue queue(4);
  std::vector<InputItem> out;
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  ASSERT_TRUE(queue.push(numbered_item(0)));
  ASSERT_TRUE(queue.push(numbered_item(1)));
  EXPECT_EQ(queue.try_pop(out, 1), InputQueue::PopStatus::Items);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].index, 0u);
  queue.close();
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Items);
  EXPECT_EQ(out.back().index, 1u);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Drained);
}

TEST(InputQueueTest, WakeupFiresOnlyAfterTheConsumerFoundItEmpty) {
  InputQueue queue(4);
  int wakeups = 0;
  queue.set_wakeup([&] { ++wakeups; });
  ASSERT_TRUE(queue.push(numbered_item(0)));
  EXPECT_EQ(wakeups, 0);  // nobody was waiting
  std::vector<InputItem> out;
  queue.try_pop(out, 10);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  ASSERT_TRUE(queue.push(numbered_item(1)));
  EXPECT_EQ(wakeups, 1);
  ASSERT_TRUE(queue.push(numbered_item(2)));
  EXPECT_EQ(wakeups, 1);  // one wake-up per wait
  queue.try_pop(out, 10);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  queue.close();
  EXPECT_EQ(wakeups, 2);
}

TEST(InputQueueTest, ProducerBlocksAtCapacityAndCancelReleasesIt) {
  InputQueue queue(2);
  std::atomic<int> pushed{0};
  std::jthread producer([&] {
    for (std::uint64_t i = 0; i < 3; ++i) {
      if (queue.push(numbered_item(i))) ++pushed;
    }
  });
  // The third push cannot complete until someone pops. Bounded: a hang fails the test.
  const auto wait_for = [&](int count) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pushed < count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
  };
  wait_for(2);
  ASSERT_EQ(pushed, 2);
  std::vector<InputItem> out;
  ASSERT_EQ(queue.try_pop(out, 1), InputQueue::PopStatus::Items);
  wait_for(3);
  EXPECT_EQ(pushed, 3);  // popping made room
  producer.join();
  // A fourth push blocks again until cancel releases it with a refusal.
  std::atomic<bool> accepted{true};
  std::jthread blocked(
      [&] { accepted = queue.push(numbered_item(3)) && queue.push(numbered_item(4)); });
  queue.cancel();
  blocked.join();
  EXPECT_FALSE(accepted);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Drained);
}

}  // namespace
}  // namespace sluice
