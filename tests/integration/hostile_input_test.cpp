// Hostile lines in a list file or on standard input, through the real binary on both engines:
// each bad line is one invalid_url record naming its line, and the rest of the run goes on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/run_sluice.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

using test::count_lines;
using test::expect_usage_error;

const std::string kMegabyte(1 << 20, 'x');

// One hostile line, put between two good URLs as line 2 of the input. Most are built on the
// server's address, so a bad line that slipped through as a request would show in its count.
struct HostileCase {
  std::string name;
  std::function<std::string(const std::string& base)> line;
  // The record's "url": the line as JSON shows it (invalid UTF-8 as U+FFFD, an over-long line
  // cut to 256 bytes); ignored when `skipped`.
  std::function<std::string(const std::string& base)> url = {};
  std::string message = {};  // part of the error message
  std::vector<std::string> options = {};
  bool skipped = false;  // a blank line: no record at all
};

// Keeps GoogleTest from printing a megabyte line as the test's parameter.
void PrintTo(const HostileCase& hostile, std::ostream* out) { *out << hostile.name; }

const std::vector<HostileCase>& hostile_cases() {
  static const std::vector<HostileCase> cases{
      {.name = "InvalidUrl",
       .line = [](const std::string&) { return "http://:80/todos/3"s; },
       .url = [](const std::string&) { return "http://:80/todos/3"s; },
       .message = "invalid URL: "},
      {.name = "SpaceInUrl",
       .line = [](const std::string& base) { return base + "/todos/3 4"; },
       .url = [](const std::string& base) { return base + "/todos/3 4"; },
       .message = "whitespace at column"},
      {.name = "NulByte",
       .line = [](const std::string& base) { return base + "/todos/3\0x"s; },
       .url = [](const std::string& base) { return base + "/todos/3\0x"s; },
       .message = "line contains a NUL byte"},
      {.name = "InvalidUtf8",
       .line = [](const std::string& base) { return base + "/todos/\xff\xfe"; },
       .url = [](const std::string& base) { return base + "/todos/\uFFFD\uFFFD"; },
       .message = "bytes that are not UTF-8 at column"},
      {.name = "MegabyteLine",
       .line = [](const std::string& base) { return base + "/todos/" + kMegabyte; },
       .url = [](const std::string& base) { return (base + "/todos/" + kMegabyte).substr(0, 256); },
       .message = "line is longer than 65536 bytes"},
      // A blank line is skipped however many spaces it has, up to the line limit ...
      {.name = "LineOfSpaces",
       .line = [](const std::string&) { return std::string(60'000, ' ') + "\t "; },
       .skipped = true},
      // ... but of an over-long line the reader keeps only the start, and a blank start does
      // not make a blank line (a URL may follow), so it is reported, not skipped.
      {.name = "MegabyteOfSpaces",
       .line = [](const std::string&) { return std::string(1 << 20, ' '); },
       .url = [](const std::string&) { return ""s; },
       .message = "line is longer than 65536 bytes"},
      {.name = "RangeBeyondMaxExpansion",
       .line = [](const std::string& base) { return base + "/todos/{1..1000}"; },
       .url = [](const std::string& base) { return base + "/todos/{1..1000}"; },
       .message = "range expands to 1000 URLs, more than the maximum expansion (100)",
       .options = {"--max-expansion", "100"}},
      {.name = "RangeBeyondDefaultMaxExpansion",
       .line = [](const std::string& base) { return base + "/todos/[1-10000001]"; },
       .url = [](const std::string& base) { return base + "/todos/[1-10000001]"; },
       .message = "range expands to 10000001 URLs, more than the maximum expansion (10000000)"},
  };
  return cases;
}

enum class Input { ListFile, StandardInput };

void PrintTo(Input input, std::ostream* out) {
  *out << (input == Input::ListFile ? "list file" : "standard input");
}

class HostileInputTest
    : public ::testing::TestWithParam<std::tuple<std::string, Input, HostileCase>> {
 protected:
  const std::string& engine() const { return std::get<0>(GetParam()); }
  Input input() const { return std::get<1>(GetParam()); }
  const HostileCase& hostile() const { return std::get<2>(GetParam()); }
};

TEST_P(HostileInputTest, BadLineIsOneInvalidUrlRecordAndTheRestIsFetched) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const std::string base = server.base_url();
  const std::vector<std::string> good{base + "/todos/1", base + "/todos/2"};
  const std::string content = good[0] + "\n" + hostile().line(base) + "\n" + good[1] + "\n";
  const auto results = dir.path() / "results.jsonl";

  std::vector<std::string> args{"--engine", engine(), "-q", "--results", results.string()};
  args.insert(args.end(), hostile().options.begin(), hostile().options.end());
  std::string source_name = "-";
  std::string stdin_content;
  if (input() == Input::ListFile) {
    source_name = dir.write("list.txt", content).string();
    args.push_back("@" + source_name);
  } else {
    stdin_content = content;
    args.push_back("-");
  }
  const auto result = test::run_child(SLUICE_BINARY, args, stdin_content, 60s);

  EXPECT_EQ(result.exit_code, hostile().skipped ? 0 : 1) << result.err;
  EXPECT_TRUE(result.out.empty()) << "records go to --results only";
  const auto records = test::parse_records(test::read_file(results));
  ASSERT_EQ(records.size(), hostile().skipped ? 2u : 3u);
  std::vector<std::string> fetched;
  for (const auto& record : records) {
    if (record["error"].is_null()) {
      EXPECT_TRUE(record["ok"].get<bool>());
      fetched.push_back(record["url"]);
      continue;
    }
    EXPECT_EQ(record["error"]["kind"], "invalid_url");
    EXPECT_EQ(record["source"], source_name + ":2");
    EXPECT_EQ(record["url"], hostile().url(base));
    const std::string message = record["error"]["message"];
    EXPECT_NE(message.find(hostile().message), std::string::npos) << message;
  }
  std::sort(fetched.begin(), fetched.end());
  EXPECT_EQ(fetched, good);
  EXPECT_EQ(server.stats().requests, 2u);
}

INSTANTIATE_TEST_SUITE_P(Lines, HostileInputTest,
                         ::testing::Combine(::testing::Values("loop", "threads"),
                                            ::testing::Values(Input::ListFile,
                                                              Input::StandardInput),
                                            ::testing::ValuesIn(hostile_cases())),
                         [](const auto& case_info) {
                           const Input input = std::get<1>(case_info.param);
                           return std::get<0>(case_info.param) +
                                  (input == Input::ListFile ? "_File_" : "_Stdin_") +
                                  std::get<2>(case_info.param).name;
                         });

// Only what stops the run before it starts is a usage error (test::expect_usage_error).
TEST(HostileInputUsageTest, UnreadableListFileIsAUsageError) {
  test::TempDir dir;
  const auto good = dir.write("good.txt", "http://127.0.0.1:9/\n").string();
  // Not a directory: a path through a regular file fails to open even for root.
  const std::string through_file = good + "/urls.txt";
  expect_usage_error({"@" + good, "@" + through_file}, "'" + through_file + "'");
  expect_usage_error({"@" + good, "@" + dir.path().string()}, "Is a directory");
  // Opens, even for root, but its first read fails.
  expect_usage_error({"@" + good, "@/proc/self/mem"}, "'/proc/self/mem': Input/output error");
  // File permissions do not bind root, as whom CI runs; the case is checked where they do.
  if (::geteuid() != 0) {
    const auto locked = dir.write("locked.txt", "http://127.0.0.1:9/\n");
    std::filesystem::permissions(locked, std::filesystem::perms::none);
    expect_usage_error({"@" + locked.string()}, "Permission denied");
  }
}

TEST(HostileInputUsageTest, BadOptionIsAUsageError) {
  expect_usage_error({"--max-expansion", "many", "http://127.0.0.1:9/"}, "--max-expansion");
  expect_usage_error({"--max-expansion", "1.5", "http://127.0.0.1:9/"}, "--max-expansion");
  expect_usage_error({"--max-expansion", "-5", "http://127.0.0.1:9/"}, "--max-expansion");
}

// /dev/zero is one line that never ends: its record comes once the line is known to be too
// long, and Ctrl-C still ends the run, which reads on to skip the line's rest meanwhile.
TEST(HostileInputEndlessTest, DevZeroIsOneOverlongLineRecordedAtOnce) {
  test::TempDir dir;
  const auto results = dir.path() / "results.jsonl";
  test::ChildProcess child(SLUICE_BINARY, {"-q", "--results", results.string(), "@/dev/zero"});
  const bool recorded = test::wait_until(
      [&] { return test::read_file(results).find('\n') != std::string::npos; }, 10s);
  child.signal(SIGINT);
  const auto result = child.wait(30s);
  EXPECT_TRUE(recorded) << "no record while the line went on";
  EXPECT_EQ(result.exit_code, 130) << result.err;
  const auto records = test::parse_records(test::read_file(results));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["source"], "/dev/zero:1");
  EXPECT_EQ(records[0]["error"]["kind"], "invalid_url");
  const std::string message = records[0]["error"]["message"];
  EXPECT_NE(message.find("line is longer than 65536 bytes"), std::string::npos) << message;
}

}  // namespace
}  // namespace sluice
