// Runs the fetch examples (examples/threads_barrier_fetch.cpp, async_semaphore_fetch.cpp,
// pool_fetch.cpp) against the embedded server and checks what it saw: the textbook designs'
// chunks, connections and requests in flight, the barrier's hang and the slow chunk.
// URL lists go to the examples on stdin ("-" in place of PREFIX COUNT), one URL a line.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

std::string example(const std::string& name) {
  return std::string(SLUICE_EXAMPLES_DIR) + "/example_" + name;
}

// `count` todo URLs on one line each; `slow(i)` (0-based) marks the ones asked to take 500 ms.
template <typename IsSlow>
std::string url_list(const Server& server, int count, IsSlow slow) {
  std::string list;
  for (int i = 0; i < count; ++i) {
    list += server.base_url() + "/todos/" + std::to_string(i + 1);
    if (slow(i)) list += "?delay=500ms";
    list += '\n';
  }
  return list;
}

std::size_t printed_peak(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("peak in flight (\\d+)"))) return 0;
  return std::stoul(match[1]);
}

TEST(ExamplesFetchersTest, EachExampleFetchesAPrefixRange) {
  Server server(ServerConfig{});
  const std::string prefix = server.base_url() + "/todos";
  // 20 URLs and N = 4: four chunks of five, as many as N.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"threads_barrier_fetch", prefix, "20", "4"},
        {"async_semaphore_fetch", prefix, "20", "4"},
        {"async_semaphore_fetch", "--per-request", prefix, "20", "4"},
        {"pool_fetch", prefix, "20", "4"}}) {
    const auto result = test::run_child(example(args[0]), {args.begin() + 1, args.end()}, {}, 20s);
    EXPECT_EQ(result.exit_code, 0) << args[0] << "\n" << result.out << result.err;
    EXPECT_NE(result.out.find("fetched 20 of 20"), std::string::npos) << args[0] << result.out;
  }
  EXPECT_EQ(server.stats().requests, 80u);
}

TEST(ExamplesFetchersTest, ABadCommandLinePrintsUsageAndExitsOne) {
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch", "pool_fetch"}) {
    const auto result = test::run_child(example(name), {"http://x/todos", "many", "3"}, {}, 20s);
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_NE(result.err.find("usage"), std::string::npos) << name << result.err;
  }
}

// Five URLs for N = 10 make a chunk size of 5 / 10 = 0, which the batching rejects, as
// Python's itertools.batched does, before anything is fetched. The right form cuts no chunks.
TEST(ExamplesFetchersTest, FewerUrlsThanNIsTheBatchingError) {
  Server server(ServerConfig{});
  const std::string prefix = server.base_url() + "/todos";
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch"}) {
    const auto result = test::run_child(example(name), {prefix, "5", "10"}, {}, 20s);
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_NE(result.err.find("n must be at least one"), std::string::npos) << name << result.err;
  }
  EXPECT_EQ(server.stats().requests, 0u);
  const auto right = test::run_child(example("async_semaphore_fetch"),
                                     {"--per-request", prefix, "5", "10"}, {}, 20s);
  EXPECT_EQ(right.exit_code, 0) << right.out << right.err;
  EXPECT_EQ(server.stats().requests, 5u);
}

// 200 URLs, N = 10: ten chunks of 20 and a barrier of 11, which completes. Each URL comes on a
// connection of its own, and the ten threads never have more than ten requests in flight.
TEST(ExamplesFetchersTest, BarrierThreadsOpenAConnectionPerUrl) {
  Server server(ServerConfig{.latency = 20ms});
  const auto result = test::run_child(example("threads_barrier_fetch"),
                                      {server.base_url() + "/todos", "200", "10"}, {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("chunks 10, parties 11"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("fetched 200 of 200"), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().requests, 200u);
  EXPECT_EQ(server.stats().connections, 200u);
  EXPECT_LE(server.stats().peak_in_flight, 10u);
}

// Defect (a): 205 URLs make 11 chunks, so 11 threads and main arrive at a barrier of 11
// parties: the first 11 arrivals complete its first phase, and the twelfth waits for a second
// that no one else will join. Once the server has answered every URL, each thread has nothing
// left to do but arrive, so a program still running 2 s later is stuck for good.
TEST(ExamplesFetchersTest, BarrierThreadsHangWhenThereAreMoreChunksThanN) {
  Server server(ServerConfig{});
  test::ChildProcess child(example("threads_barrier_fetch"),
                           {server.base_url() + "/todos", "205", "10"});
  ASSERT_TRUE(test::wait_until([&] { return server.stats().requests == 205; }, 60s))
      << server.stats().requests;
  const auto result = child.wait(2s);
  EXPECT_TRUE(result.timed_out) << "exit " << result.exit_code << "\n" << result.out << result.err;
  EXPECT_NE(result.out.find("chunks 11, parties 11"), std::string::npos) << result.out;
}

// --party-per-chunk, a barrier of chunks + 1 parties, is the one change that ends the run;
// eleven threads then have up to eleven requests in flight.
TEST(ExamplesFetchersTest, APartyPerChunkEndsTheRunWithMoreChunksThanN) {
  Server server(ServerConfig{.latency = 20ms});
  const auto result =
      test::run_child(example("threads_barrier_fetch"),
                      {"--party-per-chunk", server.base_url() + "/todos", "205", "10"}, {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("chunks 11, parties 12"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("fetched 205 of 205"), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().connections, 205u);
  EXPECT_LE(server.stats().peak_in_flight, 11u);
}

// 205 URLs in chunks of 20 make 11 chunk tasks for 10 permits. Each task fetches its chunk one
// URL after another, so the server never holds more than 10 requests (50 ms each: long enough
// that eleven concurrent chunks would show as 11), each on a connection of its own.
TEST(ExamplesFetchersTest, ChunkPermitsCapInFlightAtNButOpenAConnectionPerUrl) {
  Server server(ServerConfig{.latency = 50ms});
  const auto result = test::run_child(example("async_semaphore_fetch"),
                                      {server.base_url() + "/todos", "205", "10"}, {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("tasks 11, permits 10"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("fetched 205 of 205"), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().requests, 205u);
  EXPECT_EQ(server.stats().connections, 205u);
  EXPECT_LE(server.stats().peak_in_flight, 10u);
  EXPECT_LE(printed_peak(result.out), 10u) << result.out;
}

// The right form: a permit per request. 40 URLs at 200 ms, 4 permits: the server holds 4 at
// once, never more, on connections the loop reuses.
TEST(ExamplesFetchersTest, PerRequestPermitsCapInFlightAndReuseConnections) {
  constexpr std::size_t kCap = 4;
  Server server(ServerConfig{.latency = 200ms});
  const auto result =
      test::run_child(example("async_semaphore_fetch"),
                      {"--per-request", server.base_url() + "/todos", "40", "4"}, {}, 20s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(server.stats().peak_in_flight, kCap);  // the cap is kept, and used
  EXPECT_EQ(printed_peak(result.out), kCap) << result.out;
  EXPECT_LE(server.stats().connections, kCap);
}

// Defect (b): 60 URLs at 50 ms, 6 of them at 500 ms, N = 6: chunks of 10. Slow URLs first:
// the first chunk holds all six, and both textbook designs fetch a chunk one URL after
// another: at least 6 x 500 ms = 3 s, where the queue, handing one slow URL to each worker,
// needs about 0.95 s. (How far the chunks lag the queue, and that they keep up when the slow
// URLs are spread evenly, are times: bench/timing_bench.py "fetchers" measures them.)
TEST(ExamplesFetchersTest, TheTextbookDesignsFetchClusteredSlowUrlsOneAfterAnother) {
  const auto slow = [](int i) { return i < 6; };
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch"}) {
    Server server(ServerConfig{.latency = 50ms});
    const auto start = std::chrono::steady_clock::now();
    const auto result = test::run_child(example(name), {"-", "6"}, url_list(server, 60, slow), 20s);
    ASSERT_EQ(result.exit_code, 0) << name << "\n" << result.out << result.err;
    EXPECT_NE(result.out.find("fetched 60 of 60"), std::string::npos) << name << result.out;
    // A lower bound set by the server's delays, which no busy machine shortens.
    EXPECT_GE(std::chrono::steady_clock::now() - start, 3s) << name;
    EXPECT_EQ(server.stats().requests, 60u) << name;
  }
  {
    Server server(ServerConfig{.latency = 50ms});
    const auto pool =
        test::run_child(example("pool_fetch"), {"-", "6"}, url_list(server, 60, slow), 20s);
    ASSERT_EQ(pool.exit_code, 0) << pool.out << pool.err;
    EXPECT_NE(pool.out.find("fetched 60 of 60"), std::string::npos) << pool.out;
    EXPECT_EQ(server.stats().requests, 60u);
  }
}

}  // namespace
}  // namespace sluice
