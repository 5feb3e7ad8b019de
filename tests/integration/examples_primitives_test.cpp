// The primitives examples (examples/mutex.cpp, semaphore.cpp, barrier.cpp), each run as a
// real program: exit code, printed lines, and for the fetching ones the server's counters.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

test::ChildResult run_example(const std::string& name, const std::vector<std::string>& args) {
  return test::run_child(std::string(SLUICE_EXAMPLES_DIR) + "/example_" + name, args, {}, 60s);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#if defined(__SANITIZE_THREAD__)
constexpr bool kUnderThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kUnderThreadSanitizer = true;
#else
constexpr bool kUnderThreadSanitizer = false;
#endif
#else
constexpr bool kUnderThreadSanitizer = false;
#endif

TEST(ExamplesPrimitivesTest, MutexCountsEveryIncrement) {
  const auto result = run_example("mutex", {"4", "100000"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "expected 400000")) << result.out;
  EXPECT_TRUE(contains(result.out, "with std::mutex: 400000 (lost 0)")) << result.out;
  // The racy version is opt-in, so the default run has no data race for a sanitizer to flag.
  EXPECT_FALSE(contains(result.out, "without a lock")) << result.out;
}

TEST(ExamplesPrimitivesTest, MutexRaceNeverCountsMoreThanExpected) {
  if (kUnderThreadSanitizer) GTEST_SKIP() << "--race is a deliberate data race";
  const auto result = run_example("mutex", {"--race", "4", "100000"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // How many updates are lost depends on the scheduler and the optimiser, so only the
  // shape is checked: some count at most the expected one, then the correct mutex count.
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(result.out, match, std::regex(R"(without a lock: (\d+) \(lost (\d+)\))")))
      << result.out;
  EXPECT_EQ(std::stol(match[1].str()) + std::stol(match[2].str()), 400000);
  EXPECT_LE(std::stol(match[1].str()), 400000);
  EXPECT_TRUE(contains(result.out, "with std::mutex: 400000 (lost 0)")) << result.out;
}

TEST(ExamplesPrimitivesTest, MutexRejectsABadCommandLine) {
  const auto result = run_example("mutex", {"4"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.err, "usage:")) << result.err;
}

TEST(ExamplesPrimitivesTest, SemaphoreLetsExactlyPermitsRequestsRunAtOnce) {
  Server server(ServerConfig{.latency = 50ms});
  const auto result = run_example("semaphore", {server.base_url() + "/todos", "60", "20", "4"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "fetched 60 in ")) << result.out;
  EXPECT_TRUE(contains(result.out, "peak concurrency 4 (permits 4)")) << result.out;
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 60u);
  EXPECT_EQ(stats.peak_in_flight, 4u);
}

TEST(ExamplesPrimitivesTest, SemaphoreExitsOneWhenAFetchFails) {
  Server server(ServerConfig{});
  // /status/404 followed by an id is not a route the server knows, so every fetch gets 404.
  const auto result = run_example("semaphore", {server.base_url() + "/status/404", "3", "2", "1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.out, "fetched 0 in ")) << result.out;
  EXPECT_FALSE(result.err.empty());
}

TEST(ExamplesPrimitivesTest, BarrierRunsOnePhasePerRoundAndACompletionStepEach) {
  Server server(ServerConfig{.latency = 50ms});
  // 10 URLs over 4 threads: phases of 4, 4 and 2; in the last one two threads have no URL
  // and must still arrive, or the barrier would never open.
  const auto result = run_example("barrier", {server.base_url() + "/todos", "10", "4"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "phase 1: fetched 4, total 4,")) << result.out;
  EXPECT_TRUE(contains(result.out, "phase 2: fetched 4, total 8,")) << result.out;
  EXPECT_TRUE(contains(result.out, "phase 3: fetched 2, total 10,")) << result.out;
  EXPECT_FALSE(contains(result.out, "phase 4")) << result.out;
  EXPECT_TRUE(contains(result.out, "fetched 10 in ")) << result.out;
  EXPECT_TRUE(contains(result.out, "over 3 phases of 4 threads")) << result.out;
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 10u);
  // No thread starts a phase before all finished the previous one: never more than 4 open.
  EXPECT_EQ(stats.peak_in_flight, 4u);
}

}  // namespace
}  // namespace sluice
