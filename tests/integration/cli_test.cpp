// The real `sluice` binary: exit codes, stdout records, stderr messages.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/ports.hpp"
#include "support/records.hpp"
#include "support/run_sluice.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

using namespace std::chrono_literals;

using test::count_lines;
using test::expect_usage_error;
using test::run_sluice;

// The fetch behaviours of the command line, checked on both engines.
class CliFetchTest : public ::testing::TestWithParam<std::string> {
 protected:
  static test::ChildResult run_engine(std::vector<std::string> args,
                                      const std::string& input = {}) {
    args.insert(args.begin(), {"--engine", GetParam()});
    return run_sluice(args, input);
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, CliFetchTest, ::testing::Values("loop", "threads"));

TEST_P(CliFetchTest, AllGoodUrlsExitZeroWithOneRecordEach) {
  Server server(ServerConfig{});
  const auto result = run_engine({"-c", "5", server.base_url() + "/todos/{1..20}"});
  EXPECT_LE(server.stats().peak_in_flight, 5u);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto records = test::parse_records(result.out);
  ASSERT_EQ(records.size(), 20u);
  for (const auto& record : records) {
    EXPECT_TRUE(record["ok"].get<bool>());
    EXPECT_EQ(record["status"], 200);
    EXPECT_TRUE(record["error"].is_null());
    for (const char* key : {"url", "bytes", "elapsed_ms", "ttfb_ms", "attempts"}) {
      EXPECT_TRUE(record.contains(key)) << key;
    }
  }
  EXPECT_NE(result.err.find("efficiency"), std::string::npos) << result.err;
  EXPECT_EQ(server.stats().requests, 20u);
}

TEST_P(CliFetchTest, FailedUrlsExitOneWithARecordEachAndTheRestFetched) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const std::string base = server.base_url();
  const std::string refused = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/";
  const auto list =
      dir.write("list.txt", base + "/todos/1\nnot a url\n" + refused + "\n" + base +
                                "/status/404\n" + base + "/status/500\n" + base + "/todos/2\n");
  const auto result = run_engine({"@" + list.string()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  std::map<std::string, nlohmann::json> by_url;
  for (auto& record : test::parse_records(result.out)) by_url[record["url"]] = record;
  ASSERT_EQ(by_url.size(), 6u);
  EXPECT_EQ(by_url["not a url"]["error"]["kind"], "invalid_url");
  EXPECT_EQ(by_url["not a url"]["source"], list.string() + ":2");
  EXPECT_EQ(by_url[refused]["error"]["kind"], "connect");
  EXPECT_EQ(by_url[refused]["source"], list.string() + ":3");
  EXPECT_EQ(by_url[base + "/status/404"]["error"]["kind"], "http");
  EXPECT_EQ(by_url[base + "/status/500"]["status"], 500);
  EXPECT_TRUE(by_url[base + "/todos/1"]["ok"].get<bool>());
  EXPECT_TRUE(by_url[base + "/todos/2"]["ok"].get<bool>());
  EXPECT_NE(result.err.find("connect 1"), std::string::npos) << result.err;
}

TEST(CliTest, AUsageErrorLeavesAnExistingResultsFileAlone) {
  test::TempDir dir;
  const auto results = dir.write("results.jsonl", "{\"url\":\"kept\"}\n");
  const auto result = run_sluice({"--results", results.string(), "@/nonexistent/list"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(test::read_file(results), "{\"url\":\"kept\"}\n");
}

TEST_P(CliFetchTest, StandardInputIsASource) {
  Server server(ServerConfig{});
  const auto result =
      run_engine({"-q", "-"}, server.base_url() + "/todos/7\n" + server.base_url() + "/todos/8\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_lines(result.out), 2u);
  EXPECT_TRUE(result.err.empty()) << result.err;
}

TEST_P(CliFetchTest, ResultsAndSummaryFilesAreWritten) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto results = dir.path() / "results.jsonl";
  const auto summary = dir.path() / "summary.json";
  const auto result = run_engine({"-q", "--results", results.string(), "--summary-json",
                                  summary.string(), server.base_url() + "/todos/{1..30}"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.empty());
  EXPECT_EQ(test::parse_records(test::read_file(results)).size(), 30u);
  const auto json = nlohmann::json::parse(test::read_file(summary));
  EXPECT_EQ(json["urls"], 30);
  EXPECT_EQ(json["ok"], 30);
  EXPECT_GT(json["efficiency"].get<double>(), 0.0);
}

// -c auto's summary measures the run against the ideal at the cap it settled on; it used to
// take the ideal of -c's default 10 and claim 600 % efficiency. A ceiling of 4 keeps the cap
// away from 10 whatever the machine's load does to the latencies it learns from.
TEST_P(CliFetchTest, AutoConcurrencySummaryComparesWithItsOwnCap) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto summary = dir.path() / "summary.json";
  const auto result = run_engine({"-q", "-c", "auto", "--max-concurrency", "4", "--results",
                                  "/dev/null", "--summary-json", summary.string(),
                                  server.base_url() + "/todos/{1..400}?delay=20ms"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(test::read_file(summary));
  EXPECT_EQ(json["concurrency"], json["final_limit"]);
  EXPECT_LE(json["final_limit"].get<int>(), 4);
  // The cap may have stood above where it ended for a while, so the run may beat the ideal
  // at the end's cap a little, never several times over.
  EXPECT_LT(json["efficiency"].get<double>(), 1.5);
}

// The summary says how many event loops ran: auto picks them by the cores, so the count
// cannot be read off the command line.
TEST(CliTest, TheSummarySaysHowManyEventLoopsRan) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto summary = dir.path() / "summary.json";
  const auto loops_of = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"-c", "64", "--results", "/dev/null", "--summary-json",
                             summary.string(), server.base_url() + "/todos/{1..20}"});
    const auto result = test::run_child(SLUICE_BINARY, args, {}, 60s);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const bool said = result.err.find("event loops") != std::string::npos;
    const auto loops = nlohmann::json::parse(test::read_file(summary))["event_loops"].get<int>();
    EXPECT_EQ(said, loops > 1) << result.err;
    return loops;
  };
  EXPECT_EQ(loops_of({"--event-loops", "2"}), 2);
  EXPECT_EQ(loops_of({"--event-loops", "1"}), 1);
  EXPECT_EQ(loops_of({"--engine", "threads"}), 0);
  EXPECT_GE(loops_of({}), 1);  // auto: as many as the cores allow, up to 4 at -c 64
  EXPECT_LE(loops_of({}), 4);
}

TEST_P(CliFetchTest, ProgressIsSilentOffATerminalUnlessAsked) {
  Server server(ServerConfig{});
  const std::string url = server.base_url() + "/todos/{1..8}?delay=300ms";
  const auto quiet = run_engine({"-q", "-c", "1", url});
  EXPECT_EQ(quiet.err.find("in flight"), std::string::npos) << quiet.err;
  const auto forced = run_engine({"-q", "-c", "1", "--progress", url});
  EXPECT_NE(forced.err.find("in flight"), std::string::npos) << forced.err;
}

TEST_P(CliFetchTest, ProgressNamesAHostItsServerPaused) {
  // The first answer says no request is left for 100000 s; --max-retry-wait holds the host
  // for 3 s of that, during which the progress line says so and why (a plain line every
  // second).
  Server server({.rate_limit = {.quota = 1, .window = 100000s}});
  const auto result = run_engine({"-q", "-c", "1", "--progress", "--retries", "0",
                                  "--max-retry-wait", "3s", server.base_url() + "/todos/{1..2}"});
  EXPECT_NE(result.err.find(" · paused: RateLimit from http://127.0.0.1:"), std::string::npos)
      << result.err;
  EXPECT_EQ(server.stats().requests, 2u);
}

struct UsageCase {
  std::string name;
  std::vector<std::string> args;
  std::string named;  // what the one-line message must mention
};

// Keeps GoogleTest from printing the raw bytes of a case into the test's name.
void PrintTo(const UsageCase& usage_case, std::ostream* out) { *out << usage_case.name; }

class CliUsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CliUsageTest, BadUsageExitsTwoWithOneLineNamingIt) {
  expect_usage_error(GetParam().args, GetParam().named);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsageTest,
    ::testing::Values(
        UsageCase{"NotANumber", {"-c", "abc", "http://127.0.0.1:9/"}, "concurrency"},
        UsageCase{"ZeroConcurrency", {"-c", "0", "http://127.0.0.1:9/"}, "concurrency"},
        UsageCase{"NegativeConcurrency", {"-c", "-1", "http://127.0.0.1:9/"}, "-1"},
        UsageCase{"ListIsADirectory", {"@/tmp"}, "'/tmp'"},
        UsageCase{"MoreSlotsThanFiles", {"-c", "1000000", "--engine", "threads", "x"}, "ulimit"},
        UsageCase{"UnknownEngine", {"--engine", "fibers", "http://127.0.0.1:9/"}, "--engine"},
        UsageCase{"BadDuration", {"--timeout", "soon", "http://127.0.0.1:9/"}, "--timeout"},
        UsageCase{"MissingList", {"@/nonexistent/urls.txt"}, "/nonexistent/urls.txt"},
        UsageCase{"UnknownOption", {"--no-such-option"}, "--no-such-option"},
        UsageCase{"ListNameWithANewline",
                  {"@/nonexistent/a\nb\r\x01.txt"},
                  "cannot read list file '/nonexistent/a\\nb\\r\\x01.txt': No such file"},
        UsageCase{"UnknownOptionWithThreeDashes",
                  {"http://127.0.0.1:9/", "---x"},
                  "unknown option '---x'"},
        UsageCase{"NoSources", {}, "no URLs"},
        UsageCase{"BadRate", {"--rate", "fast", "http://127.0.0.1:9/"}, "--rate"},
        UsageCase{"ZeroRate", {"--rate", "0/s", "http://127.0.0.1:9/"}, "--rate"},
        UsageCase{
            "BadBandwidth", {"--max-bandwidth", "lots", "http://127.0.0.1:9/"}, "--max-bandwidth"},
        UsageCase{"CapsOnATextbookEngine",
                  {"--engine", "textbook-slices", "--per-host", "2", "http://127.0.0.1:9/"},
                  "--per-host"},
        UsageCase{"BadRetries", {"--retries", "-1", "http://127.0.0.1:9/"}, "--retries"},
        UsageCase{"BadGrace", {"--grace", "later", "http://127.0.0.1:9/"}, "--grace"},
        UsageCase{"BadMaxBody", {"--max-body", "huge", "http://127.0.0.1:9/"}, "--max-body"},
        UsageCase{"HugeMaxExpansion",
                  {"--max-expansion", "99999999999999999999", "http://127.0.0.1:9/"},
                  "--max-expansion: invalid whole number '99999999999999999999' (out of range: 0 "
                  "to 1000000000000)"},
        UsageCase{"HugeMaxRedirects",
                  {"--max-redirects", "99999999999999999999", "http://127.0.0.1:9/"},
                  "(out of range: 0 to 1000)"},
        UsageCase{"AutoBeyondTheLargestConcurrency",
                  {"-c", "auto", "--max-concurrency", "2000000", "http://127.0.0.1:9/"},
                  "--max-concurrency: invalid whole number '2000000' (out of range: 1 to 1000000)"},
        UsageCase{"AutoSlotsBeyondTheFileLimit",
                  {"-c", "auto", "--max-concurrency", "1000000", "--engine", "threads", "x"},
                  "--max-concurrency 1000000 needs about"},
        UsageCase{"HeaderInTheUserAgent",
                  {"--user-agent", "sluice\r\nX-Injected: 1", "http://127.0.0.1:9/"},
                  "--user-agent must not contain control characters such as CR, LF or NUL (byte "
                  "7)"},
        UsageCase{"ControlCharacterInTheUserAgent",
                  {"watch", "/nonexistent/inbox", "--out", "/nonexistent/out", "--user-agent",
                   "sluice\x01"},
                  "--user-agent"},
        UsageCase{"BadRateLimitQuota", {"serve", "--rate-limit", "0x5/1s"}, "--rate-limit"}),
    [](const ::testing::TestParamInfo<UsageCase>& case_info) { return case_info.param.name; });

// Every integer option of the main command, of `serve` and of `watch` (which takes the main
// command's options) refuses anything but plain decimal digits within its range.
TEST(CliTest, IntegerOptionsTakeOnlyDecimalDigitsWithinTheirRange) {
  const std::vector<std::string> bad_values{"",   "-1", "0x10", " 5",
                                            "5 ", "+5", "1e3",  "99999999999999999999"};
  const std::vector<std::string> fetch_options{"--max-concurrency", "--retries", "--per-host",
                                               "--max-redirects", "--max-expansion"};
  // The inbox does not exist: a value let through would end in another message.
  const std::vector<std::string> watch{"watch", "/nonexistent/inbox", "--out", "/nonexistent/out"};
  for (const auto& value : bad_values) {
    const std::string refused = ": invalid whole number '" + value + "'";
    expect_usage_error({"-c", value, "http://127.0.0.1:9/"},
                       "--concurrency (a whole number or auto)" + refused);
    for (const auto& option : fetch_options) {
      expect_usage_error({option, value, "http://127.0.0.1:9/"}, option + refused);
      auto in_watch = watch;
      in_watch.insert(in_watch.end(), {option, value});
      expect_usage_error(in_watch, option + refused);
    }
    for (const std::string option : {"--port", "--threads", "--seed", "--capacity"}) {
      expect_usage_error({"serve", option, value}, option + refused);
    }
  }
}

// An empty value (often an unset shell variable) is refused, not taken as "not given".
TEST(CliTest, OptionsKeptAsTextRefuseAnEmptyValue) {
  const std::vector<std::vector<std::string>> runs{
      {"http://127.0.0.1:9/", "--rate", ""},
      {"http://127.0.0.1:9/", "--output-dir", ""},
      {"http://127.0.0.1:9/", "--stats-log", ""},
      {"http://127.0.0.1:9/", "--resume", ""},
      {"watch", "/nonexistent/inbox", "--out", "/nonexistent/out", "--rate", ""},
      {"serve", "--faults", ""},
      {"serve", "--rate-limit", ""}};
  for (const auto& args : runs) {
    const std::string& option = args[args.size() - 2];  // each run ends in OPTION ''
    expect_usage_error(args, option + ": must not be empty");
  }
}

// Every duration option refuses more than a year, saying so: a longer one is a typo, and the
// wait for --grace 3000000h overflowed and ended at once.
TEST(CliTest, DurationsBeyondAYearAreRefused) {
  const std::vector<std::vector<std::string>> runs{
      {"http://127.0.0.1:9/", "--timeout", "8761h"},
      {"http://127.0.0.1:9/", "--connect-timeout", "525601m"},
      {"http://127.0.0.1:9/", "--stall-timeout", "31536001"},
      {"http://127.0.0.1:9/", "--retry-backoff", "9000h"},
      {"http://127.0.0.1:9/", "--max-retry-wait", "99999999999999999999ms"},
      {"http://127.0.0.1:9/", "--grace", "3000000h"},
      {"watch", "/nonexistent/inbox", "--out", "/nonexistent/out", "--grace", "3000000h"},
      {"serve", "--latency", "8761h"},
      {"serve", "--jitter", "8761h"},
      {"serve", "--rate-limit", "5/8761h"}};
  for (const auto& args : runs) {
    const std::string& option = args[args.size() - 2];  // each run ends in OPTION VALUE
    const std::string& value = args.back();
    const std::string duration = option == "--rate-limit" ? value.substr(2) : value;
    expect_usage_error(
        args, option + ": invalid duration '" + duration + "' (too large: at most 365 days)");
  }
}

// A tab is the one control character a header value may hold.
TEST(CliTest, UserAgentMayHoldATab) {
  Server server(ServerConfig{});
  const auto result =
      run_sluice({"-q", "--user-agent", "sluice\ttest", server.base_url() + "/todos/1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(server.stats().requests, 1u);
}

// CLI11 would read "010" as octal 8; sluice reads every number as decimal.
TEST(CliTest, LeadingZerosAreDecimal) {
  Server server(ServerConfig{});
  const std::string base = server.base_url();
  const auto result =
      run_sluice({"-q", "--max-redirects", "010", base + "/redirect/10", base + "/redirect/11"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  std::map<std::string, nlohmann::json> by_url;
  for (auto& record : test::parse_records(result.out)) by_url[record["url"]] = record;
  ASSERT_EQ(by_url.size(), 2u) << result.out;
  EXPECT_TRUE(by_url[base + "/redirect/10"]["ok"].get<bool>()) << result.out;
  EXPECT_EQ(by_url[base + "/redirect/11"]["error"]["kind"], "protocol") << result.out;
}

TEST(CliTest, ServePrintsItsAddressFirst) {
  const auto result = test::run_child(SLUICE_BINARY, {"serve", "--port", "0"}, {}, 3s);
  EXPECT_TRUE(result.timed_out);  // it serves until a signal
  EXPECT_EQ(result.out.rfind("listening on http://127.0.0.1:", 0), 0u) << result.out;
}

TEST(CliTest, DemoComparesTheDesignsOnBothLists) {
  const auto result = test::run_child(SLUICE_BINARY, {"demo"}, {}, 100s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Every design keeps the cap: a peak of 10 in flight on both lists. sluice's engines reuse
  // their connections; the textbook designs open one per URL (200) and straggle behind the
  // chunk that holds the slow URLs (20 x 500 ms: at least 10 s, where the ideal is 1.9 s).
  const std::string cell = R"( \| +[0-9.]+ +[0-9.]+ +[0-9.]+% +10 +)";
  for (const char* engine : {"sluice threads", "sluice event loop"}) {
    EXPECT_TRUE(std::regex_search(
        result.out, std::regex(std::string(engine) + " +" + cell + "[0-9]+" + cell + "[0-9]+")))
        << engine << "\n"
        << result.out;
  }
  for (const char* design : {"slices \\+ barrier", "slice permits"}) {
    EXPECT_TRUE(std::regex_search(result.out, std::regex(std::string(design) + " +" + cell +
                                                         "200 \\| +[1-9][0-9]+\\..*% +10 +200")))
        << design << "\n"
        << result.out;
  }
}

// CLI11 splits an argument "[a,b]" into two and strips the brackets of "[1-9]" when it fills a
// list option; sources must reach the range expander as typed, exactly as list lines do.
TEST(CliTest, ArgumentsInBracketsReachTheRangeExpanderAsTyped) {
  const std::vector<std::string> sources = {"[127.0.0.1:1/a,127.0.0.1:1/b]",
                                            "[0-18446744073709551615]"};
  test::TempDir dir;
  const auto list = dir.write("list.txt", sources[0] + "\n" + sources[1] + "\n");
  std::vector<std::string> args = {"-q"};
  args.insert(args.end(), sources.begin(), sources.end());
  const auto from_args = test::parse_records(run_sluice(args).out);
  const auto from_list = test::parse_records(run_sluice({"-q", "@" + list.string()}).out);
  ASSERT_EQ(from_args.size(), 2u);
  ASSERT_EQ(from_list.size(), 2u);
  const auto by_url = [](const std::vector<nlohmann::json>& records) {
    std::map<std::string, nlohmann::json> errors;
    for (const auto& record : records) errors[record["url"]] = record["error"];
    return errors;
  };
  const auto errors = by_url(from_args);
  for (const auto& source : sources) {
    ASSERT_TRUE(errors.contains(source)) << source;
    EXPECT_EQ(errors.at(source)["kind"], "invalid_url") << source;
  }
  EXPECT_EQ(errors, by_url(from_list));
}

TEST(CliTest, ExtraArgumentsOfServeAndDemoAreUsageErrors) {
  for (const char* command : {"serve", "demo"}) {
    const auto result = run_sluice({command, "extra"});
    EXPECT_EQ(result.exit_code, 2) << command;
    EXPECT_NE(result.err.find("'extra'"), std::string::npos) << result.err;
  }
}

TEST(CliTest, ArgumentsAfterADoubleDashAreSources) {
  // A host name that fails the URL check itself, so that nothing is looked up.
  const auto result = run_sluice({"-q", "--", "-[1-2"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto records = test::parse_records(result.out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["url"], "-[1-2");
}

}  // namespace
}  // namespace sluice
