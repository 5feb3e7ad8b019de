// Runs the Python reproductions of the two textbook designs and their right forms
// (examples/python/) against the embedded server, and checks what the server saw: requests in
// flight at once, the connections they came on, the barrier's hang and the batching error.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// Debian's own Python, the one python3-requests and python3-aiohttp are installed for; the
// python3 first on PATH may be another.
constexpr char kPython[] = "/usr/bin/python3";
constexpr std::size_t kPythonN = 10;

// Python's arguments to run script `name` with `args`; -B, so that no __pycache__ is written
// into the source tree.
std::vector<std::string> python_args(const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), {"-B", std::string(SLUICE_PYTHON_EXAMPLES_DIR) + "/" + name + ".py"});
  return args;
}

// `script PREFIX COUNT N` against `server`'s /todos.
std::vector<std::string> prefix_args(const std::string& name, const Server& server, int count,
                                     std::size_t n = kPythonN) {
  return python_args(name,
                     {server.base_url() + "/todos", std::to_string(count), std::to_string(n)});
}

// How the summary line says that `count` URLs were fetched.
std::string fetched_line(int count) { return "\"fetched\": " + std::to_string(count) + ","; }

TEST(ExamplesPythonTest, BarrierThreadsOpenAConnectionPerUrl) {
  Server server(ServerConfig{.latency = 20ms});
  const auto result =
      test::run_child(kPython, prefix_args("threads_barrier_fetch", server, 200), {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("\"chunks\": 10"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(fetched_line(200)), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().requests, 200u);
  EXPECT_EQ(server.stats().connections, 200u);  // requests.get: a throwaway Session per URL
}

// 205 URLs in chunks of 20 make 11 chunks for 10 permits: the semaphore does cap the requests
// in flight at N, and only ever holds back the eleventh chunk.
TEST(ExamplesPythonTest, ChunkPermitsCapInFlightAtNButOpenAConnectionPerUrl) {
  Server server(ServerConfig{.latency = 50ms});
  const auto result =
      test::run_child(kPython, prefix_args("async_semaphore_fetch", server, 205), {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("\"chunks\": 11"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(fetched_line(205)), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().requests, 205u);
  EXPECT_LE(server.stats().peak_in_flight, kPythonN);
  EXPECT_EQ(server.stats().connections, 205u);  // a throwaway ClientSession per URL
}

// 205 URLs make 11 chunks, so 11 threads and main arrive at a barrier of 11 parties: the first
// 11 arrivals complete its first generation, and the twelfth waits for a second that no one
// else will join. Once the server has answered every URL, each thread has nothing left to do
// but arrive, so a program still running 2 s later is stuck for good, however busy the machine.
TEST(ExamplesPythonTest, BarrierThreadsHangWhenThereAreMoreChunksThanN) {
  Server server(ServerConfig{});
  test::ChildProcess child(kPython, prefix_args("threads_barrier_fetch", server, 205));
  ASSERT_TRUE(test::wait_until([&] { return server.stats().requests == 205; }, 60s))
      << server.stats().requests;
  const auto result = child.wait(2s);
  EXPECT_TRUE(result.timed_out) << "exit " << result.exit_code << "\n" << result.out << result.err;
  EXPECT_NE(result.out.find("\"chunks\": 11, \"parties\": 11"), std::string::npos) << result.out;
  EXPECT_EQ(server.stats().requests, 205u);
}

// Five URLs for N = 10 make a chunk size of 5 // 10 = 0, which batched() rejects, as
// itertools.batched does, before anything is fetched.
TEST(ExamplesPythonTest, FewerUrlsThanNIsTheBatchingHelpersError) {
  Server server(ServerConfig{});
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch"}) {
    const auto result = test::run_child(kPython, prefix_args(name, server, 5), {}, 60s);
    EXPECT_NE(result.exit_code, 0) << name;
    EXPECT_FALSE(result.timed_out) << name;
    EXPECT_NE(result.err.find("ValueError: n must be at least one"), std::string::npos)
        << name << "\n"
        << result.err;
  }
  EXPECT_EQ(server.stats().requests, 0u);
}

// A queue of URLs for N workers, or a permit per request: at most N requests in flight, every
// URL fetched, and one reused connection per worker (a Session per thread, or the pool of one
// ClientSession, which never needs more connections than requests in flight).
TEST(ExamplesPythonTest, TheRightFormsCapInFlightAtNAndReuseConnections) {
  for (const char* name : {"pool_fetch", "async_per_request_fetch", "async_queue_fetch"}) {
    Server server(ServerConfig{.latency = 20ms});
    const auto result = test::run_child(kPython, prefix_args(name, server, 200), {}, 60s);
    ASSERT_EQ(result.exit_code, 0) << name << "\n" << result.out << result.err;
    EXPECT_NE(result.out.find(fetched_line(200)), std::string::npos) << name << result.out;
    EXPECT_EQ(server.stats().requests, 200u) << name;
    EXPECT_LE(server.stats().peak_in_flight, kPythonN) << name;
    EXPECT_LE(server.stats().connections, kPythonN) << name;
  }
}

// Fewer URLs than N is no error for the right forms: they cut no chunks.
TEST(ExamplesPythonTest, TheRightFormsFetchFewerUrlsThanN) {
  for (const char* name : {"pool_fetch", "async_per_request_fetch", "async_queue_fetch"}) {
    Server server(ServerConfig{});
    const auto result = test::run_child(kPython, prefix_args(name, server, 5), {}, 60s);
    ASSERT_EQ(result.exit_code, 0) << name << "\n" << result.out << result.err;
    EXPECT_NE(result.out.find(fetched_line(5)), std::string::npos) << name << result.out;
    EXPECT_EQ(server.stats().requests, 5u) << name;
  }
}

// List (e) scaled down: 60 URLs, the first 10 % at 500 ms and the rest at 50 ms, N = 6. The
// first chunk of 10 holds all six slow URLs and fetches them one after another, so each
// textbook design takes at least 6 x 500 ms, a lower bound no busy machine shortens. (How far
// they lag the ideal, and the right forms keep up, are times: bench/python_designs_bench.py.)
TEST(ExamplesPythonTest, TheTextbookDesignsFetchASlowChunkOneUrlAfterAnother) {
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch"}) {
    Server server(ServerConfig{.latency = 50ms});
    std::string list;
    for (int i = 1; i <= 60; ++i) {
      list += server.base_url() + "/todos/" + std::to_string(i) + (i <= 6 ? "?delay=500ms" : "");
      list += '\n';
    }
    const auto start = std::chrono::steady_clock::now();
    const auto result = test::run_child(kPython, python_args(name, {"-", "6"}), list, 60s);
    ASSERT_EQ(result.exit_code, 0) << name << "\n" << result.out << result.err;
    EXPECT_GE(std::chrono::steady_clock::now() - start, 3s) << name;
    EXPECT_NE(result.out.find(fetched_line(60)), std::string::npos) << name << result.out;
    EXPECT_EQ(server.stats().requests, 60u) << name;
  }
}

TEST(ExamplesPythonTest, ABadCommandLinePrintsUsageAndExitsOne) {
  for (const char* name : {"threads_barrier_fetch", "async_semaphore_fetch", "pool_fetch",
                           "async_per_request_fetch", "async_queue_fetch"}) {
    const auto result =
        test::run_child(kPython, python_args(name, {"http://x/todos", "many", "3"}));
    EXPECT_EQ(result.exit_code, 1) << name << result.err;
    EXPECT_NE(result.err.find("usage"), std::string::npos) << name << result.err;
  }
}

}  // namespace
}  // namespace sluice
