// Runs examples/inotify_lateness.cpp briefly against the embedded server: each of the three ways
// of watching saw every renamed file exactly once, and the server answered every transfer the
// loop counted. (How late each way was is a time: docs/benchmarks.md measures it.)
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

test::ChildResult run_inotify_lateness(const std::vector<std::string>& args) {
  return test::run_child(std::string(SLUICE_EXAMPLES_DIR) + "/example_inotify_lateness", args, {},
                         60s);
}

struct InotifyRow {
  int once = -1, twice = -1;         // files seen exactly once, and more than once
  double p50 = 0, p99 = 0, max = 0;  // lateness, ms
};

// The table row of `variant`, or once == -1 when the output has none.
InotifyRow inotify_row_of(const std::string& out, const std::string& variant) {
  std::smatch match;
  // Signed numbers, so that a negative lateness is read as one, and fails the test.
  const std::regex row("(^|\n)" + variant +
                       R"( +(\d+) +(\d+) +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+)\n)");
  if (!std::regex_search(out, match, row)) return {};
  return {std::stoi(match[2]), std::stoi(match[3]), std::stod(match[4]), std::stod(match[5]),
          std::stod(match[6])};
}

TEST(ExamplesInotifyLatenessTest, EachWaySeesEveryRenamedFileOnceWhileTheLoopTransfers) {
  Server server(ServerConfig{});
  // 1 s of a file every 10 ms, while 8 connections GET a todo back to back.
  const auto result = run_inotify_lateness({server.base_url() + "/todos/1", "1", "8"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("every 10 ms: 100 files\n"), std::string::npos) << result.out;

  std::smatch match;
  ASSERT_TRUE(std::regex_search(result.out, match,
                                std::regex(R"(the loop: (\d+) transfers over 8 connections)")))
      << result.out;
  // Every request the loop sent was answered and counted before the loop ended.
  EXPECT_GT(std::stoul(match[1]), 0u);
  EXPECT_EQ(server.stats().requests, std::stoul(match[1]));
  EXPECT_EQ(server.stats().connections, 8u);

  for (const char* variant : {"inotify in loop", "own thread", "thread, then loop"}) {
    const InotifyRow r = inotify_row_of(result.out, variant);
    EXPECT_EQ(r.once, 100) << variant << "\n" << result.out;
    EXPECT_EQ(r.twice, 0) << variant << "\n" << result.out;
    // The clock is read before each rename, so no way of watching can see a file earlier.
    EXPECT_GE(r.p50, 0) << variant << "\n" << result.out;
    EXPECT_LE(r.p50, r.p99) << variant << "\n" << result.out;
    EXPECT_LE(r.p99, r.max) << variant << "\n" << result.out;
  }
}

TEST(ExamplesInotifyLatenessTest, RejectsABadCommandLine) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{},
                                               {"127.0.0.1:80/todos/1"},
                                               {"http://127.0.0.1:80/", "0"},
                                               {"http://127.0.0.1:80/", "1x"},
                                               {"http://127.0.0.1:80/", "1", "2.5"},
                                               {"http://127.0.0.1:80/", "1", "2", "3"}}) {
    const auto result = run_inotify_lateness(args);
    EXPECT_EQ(result.exit_code, 1) << args.size();
    EXPECT_NE(result.err.find("usage:"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

}  // namespace
}  // namespace sluice
