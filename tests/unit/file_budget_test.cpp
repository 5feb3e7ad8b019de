// The open-file budget counts what each transfer and watch job holds, by engine and options.
#include "file_budget.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

Options with(EngineKind engine, std::size_t concurrency, bool save_bodies) {
  Options options;
  options.engine = engine;
  options.concurrency = concurrency;
  if (save_bodies) options.output_dir = "bodies";
  return options;
}

TEST(FileBudgetTest, AnEventLoopTransferHoldsOneConnectionAndItsBody) {
  const auto plain = file_budget(with(EngineKind::EventLoop, 200, false), {});
  EXPECT_EQ(plain.per_transfer, 1u);
  const auto saving = file_budget(with(EngineKind::EventLoop, 200, true), {});
  EXPECT_EQ(saving.per_transfer, 2u);
  EXPECT_EQ(saving.total(), 200u * 2 + saving.fixed);
  EXPECT_EQ(saving.fixed, plain.fixed + 1);  // -o DIR itself, held open for the run
  EXPECT_EQ(saving.jobs, 0u);
}

TEST(FileBudgetTest, AWorkerHoldsTwoConnectionsAndItsHandlesWakeUpPair) {
  EXPECT_EQ(file_budget(with(EngineKind::Threads, 10, false), {}).per_transfer, 4u);
  EXPECT_EQ(file_budget(with(EngineKind::Threads, 10, true), {}).per_transfer, 5u);
}

TEST(FileBudgetTest, EventLoopShardsAndListFilesCountInTheRest) {
  const auto one_shard = file_budget(with(EngineKind::EventLoop, 256, false), {});
  const auto two_shards = file_budget(with(EngineKind::EventLoop, 257, false), {});
  EXPECT_EQ(two_shards.fixed, one_shard.fixed + 2);  // one more multi handle's wake-up pair
  const auto lists = file_budget(with(EngineKind::EventLoop, 256, false), {.list_files = 3});
  EXPECT_EQ(lists.fixed, one_shard.fixed + 3);
}

TEST(FileBudgetTest, EachEventLoopCountsItsEpollItsWakeUpAndItsShards) {
  auto two_loops = with(EngineKind::EventLoop, 512, false);
  two_loops.event_loops = 2;
  const auto one = file_budget(with(EngineKind::EventLoop, 512, false), {});
  // 256 slots each, one shard each: the same wake-up pairs as one loop's two shards, and
  // one more epoll instance and eventfd.
  EXPECT_EQ(file_budget(two_loops, {}).fixed, one.fixed + 2);
  two_loops.concurrency = 514;  // 257 each: two shards per loop
  EXPECT_EQ(file_budget(two_loops, {}).fixed, one.fixed + 2 + 2 * 2);
  EXPECT_EQ(file_budget(two_loops, {}).per_transfer, 1u);
}

TEST(FileBudgetTest, AFetchRunOpensTheListOfEachAtFileSource) {
  const std::vector<std::string> sources{"@urls.txt", "https://example.com/", "-", "@more.txt"};
  Options options;
  EXPECT_EQ(fetch_run_files(options, sources).list_files, 2u);
  EXPECT_FALSE(fetch_run_files(options, {}).watch);
  options.literal_sources = true;  // "@urls.txt" is then a URL
  EXPECT_EQ(fetch_run_files(options, sources).list_files, 0u);
}

TEST(FileBudgetTest, WatchModeCountsEveryJobItMayHoldOpen) {
  const auto budget = file_budget(with(EngineKind::EventLoop, 10, false), {.watch = true});
  EXPECT_EQ(budget.jobs, 32u);
  EXPECT_EQ(budget.per_job, 4u);  // list, reader wake-up, results, summary
  EXPECT_GT(budget.total(), 10u + 32u * 4u);
  EXPECT_NE(budget.describe().find("4 per job for 32 watch jobs"), std::string::npos)
      << budget.describe();
}

}  // namespace
}  // namespace sluice
