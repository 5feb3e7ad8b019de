#include "input/input_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace sluice {
namespace {

using namespace detail;

InputItem item(std::uint64_t index) {
  InputItem result;
  result.index = index;
  result.url = "http://h/" + std::to_string(index);
  return result;
}

TEST(InputQueueTest, TryPopReportsEmptyThenDrained) {
  InputQueue queue(4);
  std::vector<InputItem> out;
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  ASSERT_TRUE(queue.push(item(0)));
  ASSERT_TRUE(queue.push(item(1)));
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
  ASSERT_TRUE(queue.push(item(0)));
  EXPECT_EQ(wakeups, 0);  // nobody was waiting
  std::vector<InputItem> out;
  queue.try_pop(out, 10);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  ASSERT_TRUE(queue.push(item(1)));
  EXPECT_EQ(wakeups, 1);
  ASSERT_TRUE(queue.push(item(2)));
  EXPECT_EQ(wakeups, 1);  // one wake-up per wait
  queue.try_pop(out, 10);
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Empty);
  queue.close();
  EXPECT_EQ(wakeups, 2);
}

TEST(InputQueueTest, ProducerBlocksAtCapacityAndCancelReleasesIt) {
  InputQueue queue(2);
  std::atomic<int> pushed{0};
  std::atomic<bool> last_result{true};
  std::jthread producer([&] {
    for (std::uint64_t i = 0; i < 3; ++i) {
      const bool ok = queue.push(item(i));
      if (ok) ++pushed;
      last_result = ok;
    }
  });
  // The third push cannot complete until someone pops.
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
  std::jthread blocked([&] { last_result = queue.push(item(3)) && queue.push(item(4)); });
  queue.cancel();
  blocked.join();
  EXPECT_FALSE(last_result);
  out.clear();
  EXPECT_EQ(queue.try_pop(out, 10), InputQueue::PopStatus::Items);  // queued items survive
  EXPECT_GE(out.size(), 2u);
}

TEST(InputQueueTest, BlockingPopSeesEveryItemOnceAcrossConsumers) {
  InputQueue queue(8);
  constexpr std::uint64_t kItems = 2000;
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::uint64_t> count{0};
  std::vector<std::jthread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      while (auto next = queue.pop()) {
        sum += next->index;
        ++count;
      }
    });
  }
  for (std::uint64_t i = 0; i < kItems; ++i) ASSERT_TRUE(queue.push(item(i)));
  queue.close();
  consumers.clear();
  EXPECT_EQ(count, kItems);
  EXPECT_EQ(sum, kItems * (kItems - 1) / 2);
}

}  // namespace
}  // namespace sluice
