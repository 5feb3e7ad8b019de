// Request lists and the run's method and body, through the real binary against the embedded
// server's /anything echo: what arrived (method, headers, body), how redirects change the
// method, which methods are retried, and the record fields of issue 15 (id, content type,
// remote address, phases, sha256, recorded headers, --save-errors).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "sha256.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class RequestsTest : public ::testing::Test {
 protected:
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }

  // Runs sluice with `args`, saving bodies under the temp dir; the records it printed.
  std::vector<Json> fetch(std::vector<std::string> args, int exit_code = 0,
                          const std::string& input = {}) {
    args.insert(args.begin(), {"-q", "-o", bodies().string()});
    last_ = test::run_child(SLUICE_BINARY, args, input, 60s);
    EXPECT_EQ(last_.exit_code, exit_code) << last_.err << last_.out;
    return test::parse_records(last_.out);
  }

  // The record whose id is `id`.
  static Json by_id(const std::vector<Json>& records, const std::string& id) {
    for (const auto& record : records) {
      if (record.value("id", "") == id) return record;
    }
    ADD_FAILURE() << "no record with id " << id;
    return Json::object();
  }

  // What /anything saw of the request of `record`: {"method", "target", "headers", "body"}.
  static Json echo(const Json& record) {
    return Json::parse(test::read_file(record.at("saved_to").get<std::string>()));
  }

  // A request list named `name` of these JSON lines.
  std::string list(const std::string& name, const std::vector<Json>& lines) const {
    std::string text;
    for (const auto& line : lines) text += line.dump() + "\n";
    return "@" + dir_.write(name, text).string();
  }

  std::filesystem::path bodies() const { return dir_.path() / "bodies"; }

  Server server_{ServerConfig{}};
  test::TempDir dir_;
  test::ChildResult last_;
};

TEST_F(RequestsTest, EachRequestLineSendsItsMethodHeadersAndBody) {
  const auto records = fetch(
      {list("requests.jsonl", {{{"id", "a1"},
                                {"url", url("/anything/a")},
                                {"method", "POST"},
                                {"headers", {{"Content-Type", "application/json"}, {"X-Row", "1"}}},
                                {"body", R"({"n":1})"}},
                               {{"id", 2}, {"url", url("/anything/b")}, {"method", "DELETE"}},
                               {{"url", url("/anything/c")}}})});
  ASSERT_EQ(records.size(), 3u);
  const Json posted = echo(by_id(records, "a1"));
  EXPECT_EQ(posted.at("method"), "POST");
  EXPECT_EQ(posted.at("body"), R"({"n":1})");
  EXPECT_EQ(posted.at("headers").at("Content-Type"), "application/json");
  EXPECT_EQ(posted.at("headers").at("X-Row"), "1");
  EXPECT_EQ(echo(by_id(records, "2")).at("method"), "DELETE");
  // A line without an id is known by where it came from.
  const std::string third = (dir_.path() / "requests.jsonl").string() + ":3";
  const Json plain = echo(by_id(records, third));
  EXPECT_EQ(plain.at("method"), "GET");
  EXPECT_EQ(plain.at("body"), "");
}

// With -c 1 one easy handle sends every line: what a line set (a header, a method, a body)
// must not reach the lines after it, which reuse the handle's options.
TEST_F(RequestsTest, ALineSendsNothingOfTheLineBeforeItOnTheSameHandle) {
  const auto records = fetch(
      {"-c", "1",
       list("requests.jsonl",
            {{{"id", "own-header"}, {"url", url("/anything/1")}, {"headers", {{"X-Row", "1"}}}},
             {{"id", "after-header"}, {"url", url("/anything/2")}},
             {{"id", "post"}, {"url", url("/anything/3")}, {"method", "POST"}, {"body", "b"}},
             {{"id", "after-post"}, {"url", url("/anything/4")}},
             {{"id", "delete"}, {"url", url("/anything/5")}, {"method", "DELETE"}},
             {{"id", "after-delete"}, {"url", url("/anything/6")}}})});
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(echo(by_id(records, "own-header")).at("headers").value("X-Row", ""), "1");
  EXPECT_FALSE(echo(by_id(records, "after-header")).at("headers").contains("X-Row"));
  EXPECT_EQ(echo(by_id(records, "post")).at("method"), "POST");
  for (const std::string id : {"after-header", "after-post", "after-delete"}) {
    const Json seen = echo(by_id(records, id));
    EXPECT_EQ(seen.at("method"), "GET") << id;
    EXPECT_EQ(seen.at("body"), "") << id;
  }
  EXPECT_EQ(echo(by_id(records, "delete")).at("method"), "DELETE");
}

TEST_F(RequestsTest, InputFormatJsonlReadsStandardInputAsRequests) {
  const Json line = {{"id", "in"}, {"url", url("/anything")}, {"method", "PATCH"}};
  const auto records = fetch({"--input-format", "jsonl", "-"}, 0, line.dump() + "\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(echo(by_id(records, "in")).at("method"), "PATCH");
}

TEST_F(RequestsTest, ABadRequestLineIsAnInvalidUrlRecordNamingItsLineAndField) {
  const std::string name = (dir_.path() / "bad.jsonl").string();
  const std::string text =
      Json{{"url", url("/anything")}, {"method", 5}}.dump() + "\n" +
      Json{{"url", url("/anything")}, {"mehtod", "POST"}}.dump() + "\n" +
      Json{{"url", url("/anything")}, {"headers", {{"Authorization", "Bearer s3cret\r\nX: y"}}}}
          .dump() +
      "\nnot json\n";
  dir_.write("bad.jsonl", text);
  const auto records = fetch({"@" + name}, 1);
  ASSERT_EQ(records.size(), 4u);
  const std::vector<std::string> fields = {"\"method\"", "unknown field \"mehtod\"", "\"headers\"",
                                           "not valid JSON"};
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Json record = by_id(records, name + ":" + std::to_string(i + 1));
    EXPECT_EQ(record.at("error").at("kind"), "invalid_url");
    const std::string message = record.at("error").at("message");
    EXPECT_TRUE(message.starts_with(name + ":" + std::to_string(i + 1) + ": ")) << message;
    EXPECT_NE(message.find(fields[i]), std::string::npos) << message;
  }
  EXPECT_EQ(last_.out.find("s3cret"), std::string::npos) << last_.out;
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(RequestsTest, TheRunsMethodAndDataReachEveryRequestUnlessALineSaysOtherwise) {
  const auto file = dir_.write("body.bin", "line 1\nline 2\n");
  const auto records = fetch({"-X", "PUT", "--data-binary", "@" + file.string(), "-H", "X-Run: run",
                              url("/anything"),
                              list("own.jsonl", {{{"id", "own"},
                                                  {"url", url("/anything/own")},
                                                  {"method", "POST"},
                                                  {"headers", {{"x-run", "line"}}},
                                                  {"body", "mine"}}})});
  ASSERT_EQ(records.size(), 2u);
  const Json run = echo(by_id(records, "arg:1"));
  EXPECT_EQ(run.at("method"), "PUT");
  EXPECT_EQ(run.at("body"), "line 1\nline 2\n");
  EXPECT_EQ(run.at("headers").at("X-Run"), "run");
  const Json own = echo(by_id(records, "own"));
  EXPECT_EQ(own.at("method"), "POST");
  EXPECT_EQ(own.at("body"), "mine");
  // The line's header replaced the run's of the same name, whatever its case.
  EXPECT_EQ(own.at("headers").at("x-run"), "line");
  EXPECT_FALSE(own.at("headers").contains("X-Run")) << own.dump();
}

TEST_F(RequestsTest, DataPostsAndDropsTheLineBreaksOfAFile) {
  const auto file = dir_.write("form.txt", "a=1\r\n&b=2\n");
  const auto records = fetch({"--data", "@" + file.string(), url("/anything")});
  ASSERT_EQ(records.size(), 1u);
  const Json seen = echo(records[0]);
  EXPECT_EQ(seen.at("method"), "POST");
  EXPECT_EQ(seen.at("body"), "a=1&b=2");
  EXPECT_EQ(seen.at("headers").at("Content-Type"), "application/x-www-form-urlencoded");
}

TEST_F(RequestsTest, HeadAsksForNoBody) {
  const auto records = fetch({"-X", "HEAD", url("/bytes/1000")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].at("ok")) << records[0].dump();
  EXPECT_EQ(records[0].at("bytes"), 0);
  EXPECT_EQ(server_.stats().bytes_sent, 0u);
}

// As libcurl follows by default: 303 turns any method into GET, 301 and 302 turn POST into
// GET, and 307, 308 keep method and body; the hop after a change sends no body.
TEST_F(RequestsTest, RedirectsChangeTheMethodAsCurlDoes) {
  // Each line its own URL, so that each saves its own echo.
  const auto line = [&](const std::string& id, const std::string& method, int status) {
    const std::string target =
        "/redirect-to?url=/anything&status=" + std::to_string(status) + "&line=" + id;
    return Json{{"id", id}, {"url", url(target)}, {"method", method}, {"body", "b"}};
  };
  const auto records = fetch(
      {list("redirects.jsonl", {line("post-301", "POST", 301), line("post-302", "POST", 302),
                                line("put-302", "PUT", 302), line("put-303", "PUT", 303),
                                line("post-307", "POST", 307), line("post-308", "POST", 308)})});
  ASSERT_EQ(records.size(), 6u);
  const auto expect = [&](const std::string& id, const std::string& method,
                          const std::string& body) {
    const Json seen = echo(by_id(records, id));
    EXPECT_EQ(seen.at("method"), method) << id;
    EXPECT_EQ(seen.at("body"), body) << id;
  };
  expect("post-301", "GET", "");
  expect("post-302", "GET", "");
  expect("put-302", "PUT", "b");
  expect("put-303", "GET", "");
  expect("post-307", "POST", "b");
  expect("post-308", "POST", "b");
}

TEST_F(RequestsTest, OnlyGetHeadAndOptionsAreRetriedUnlessAllMethodsAre) {
  const std::string failing = url("/anything?fault=503");
  const std::vector<std::string> retries = {"--retries",        "2",  "--retry-backoff", "1ms",
                                            "--max-retry-wait", "1ms"};
  auto args = retries;
  args.insert(args.end(), {"-X", "POST", failing});
  auto records = fetch(args, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("attempts"), 1);
  EXPECT_EQ(server_.stats().requests, 1u);

  args.push_back("--retry-all-methods");
  records = fetch(args, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("attempts"), 3);
  EXPECT_EQ(server_.stats().requests, 4u);

  args = retries;
  args.insert(args.end(), {"-X", "OPTIONS", failing});
  records = fetch(args, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("attempts"), 3);
}

TEST_F(RequestsTest, GlobOffSendsBracesAndBracketsAsTheyAre) {
  EXPECT_EQ(fetch({url("/anything/{a,b}")}).size(), 2u);
  const auto records = fetch({"--globoff", url("/anything/{a,b}[1-2]")});
  ASSERT_EQ(records.size(), 1u);
  const std::string target = echo(records[0]).at("target");
  EXPECT_TRUE(target.starts_with("/anything/")) << target;
  EXPECT_EQ(target.find("/anything/a"), std::string::npos) << target;
}

TEST_F(RequestsTest, RecordsCarryIdContentTypeAddressPhasesDigestAndChosenHeaders) {
  const auto records = fetch({"--hash", "sha256", "--record-header", "Content-Type",
                              "--record-header", "X-Not-Sent", url("/bytes/70000")});
  ASSERT_EQ(records.size(), 1u);
  const Json& record = records[0];
  EXPECT_EQ(record.at("id"), "arg:1");
  EXPECT_EQ(record.at("remote_ip"), "127.0.0.1");
  EXPECT_TRUE(record.contains("content_type")) << record.dump();
  for (const char* phase : {"dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "elapsed_ms"}) {
    EXPECT_TRUE(record.at(phase).is_number()) << phase;
  }
  EXPECT_EQ(record.at("tls_ms"), 0);  // plain http
  EXPECT_EQ(record.at("headers"), Json({{"content-type", record.at("content_type")}}));
  const auto digest = detail::sha256_of_file(record.at("saved_to").get<std::string>());
  ASSERT_TRUE(digest) << digest.error();
  EXPECT_EQ(record.at("sha256"), *digest);
}

TEST_F(RequestsTest, SaveErrorsKeepsTheBodiesOfErrorAnswers) {
  auto records = fetch({"--retries", "0", url("/status/404")}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].contains("saved_to")) << records[0].dump();

  records = fetch({"--retries", "0", "--save-errors", url("/status/404")}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].at("ok"));
  EXPECT_EQ(records[0].at("error").at("kind"), "http");
  ASSERT_TRUE(records[0].contains("saved_to")) << records[0].dump();
  EXPECT_EQ(test::read_file(records[0].at("saved_to").get<std::string>()).size(),
            records[0].at("bytes").get<std::size_t>());
}

// Two lines of one URL are two requests: --resume tells them apart by their ids.
TEST_F(RequestsTest, ResumeKnowsRequestLinesByUrlAndId) {
  const auto results = dir_.path() / "results.jsonl";
  const Json first = {{"id", "first"}, {"url", url("/anything")}, {"method", "POST"}};
  const Json second = {{"id", "second"}, {"url", url("/anything")}, {"method", "POST"}};
  fetch({"--results", results.string(), list("list.jsonl", {first})});
  EXPECT_EQ(server_.stats().requests, 1u);

  fetch({"--resume", results.string(), list("list.jsonl", {first, second})});
  EXPECT_EQ(server_.stats().requests, 2u);
  const auto records = test::read_records(results);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(by_id(records, "first").at("source"), (dir_.path() / "list.jsonl").string() + ":1");
  EXPECT_EQ(by_id(records, "second").at("source"), (dir_.path() / "list.jsonl").string() + ":2");
}

}  // namespace
}  // namespace sluice
