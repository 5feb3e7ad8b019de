// The results format: exact layout, escaping of hostile strings, and the round trip.
#include "record_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/sample_records.hpp"

namespace sluice {
namespace {

using namespace detail;

using namespace std::string_literals;
using test::line_of;

Record success() {
  Record record;
  record.index = 7;
  record.url = "http://a.test/x";
  record.source = "urls.txt:8";
  record.status = 200;
  record.ok = true;
  record.bytes = 5;
  record.elapsed_ms = 52.3180004;
  record.ttfb_ms = 1.5;
  record.attempts = 1;
  return record;
}

Record failure() {
  Record record;
  record.url = "http://b.test/";
  record.source = "arg:2";
  record.attempts = 2;
  record.elapsed_ms = 3;
  record.error = FetchError{ErrorKind::Connect, "Connection refused"};
  return record;
}

TEST(RecordCodecTest, WritesSuccessKeysInDocumentedOrder) {
  EXPECT_EQ(line_of(success()),
            R"({"url":"http://a.test/x","status":200,"ok":true,"bytes":5,"elapsed_ms":52.318,)"
            R"("ttfb_ms":1.5,"dns_ms":0,"connect_ms":0,"tls_ms":0,"attempts":1,"error":null})"
            "\n");
}

TEST(RecordCodecTest, WritesSourceAndErrorOnlyForFailures) {
  EXPECT_EQ(line_of(failure()),
            R"({"url":"http://b.test/","source":"arg:2","status":null,"ok":false,"bytes":0,)"
            R"("elapsed_ms":3,"ttfb_ms":0,"dns_ms":0,"connect_ms":0,"tls_ms":0,"attempts":2,)"
            R"("error":{"kind":"connect","message":"Connection refused"}})"
            "\n");
}

TEST(RecordCodecTest, WritesFinalUrlAndSavedToLastWhenSet) {
  Record record = success();
  record.final_url = "http://a.test/y";
  record.saved_to = "out/a.test_x-0123456789abcdef";
  EXPECT_EQ(line_of(record),
            R"({"url":"http://a.test/x","status":200,"ok":true,"bytes":5,"elapsed_ms":52.318,)"
            R"("ttfb_ms":1.5,"dns_ms":0,"connect_ms":0,"tls_ms":0,"attempts":1,"error":null,)"
            R"("final_url":"http://a.test/y",)"
            R"("saved_to":"out/a.test_x-0123456789abcdef"})"
            "\n");
}

TEST(RecordCodecTest, WritesWireBytesAfterBytesAndHttpVersionBeforeSavedTo) {
  Record record = success();
  record.wire_bytes = 3;
  record.http_version = "2";
  record.saved_to = "out/f";
  EXPECT_EQ(
      line_of(record),
      R"({"url":"http://a.test/x","status":200,"ok":true,"bytes":5,"wire_bytes":3,)"
      R"("elapsed_ms":52.318,"ttfb_ms":1.5,"dns_ms":0,"connect_ms":0,"tls_ms":0,"attempts":1,)"
      R"("error":null,"http_version":"2",)"
      R"("saved_to":"out/f"})"
      "\n");
}

TEST(RecordCodecTest, WritesTheFieldsOfIssue15InDocumentedOrder) {
  Record record = success();
  record.id = "row-1";
  record.content_type = "text/csv";
  record.dns_ms = 0.5;
  record.connect_ms = 1;
  record.tls_ms = 2.25;
  record.remote_ip = "::1";
  record.sha256 = std::string(64, 'a');
  record.headers = {{"etag", "\"x\""}, {"age", "3"}};
  record.saved_to = "out/f";
  EXPECT_EQ(line_of(record),
            R"({"url":"http://a.test/x","id":"row-1","source":"urls.txt:8","status":200,)"
            R"("ok":true,"bytes":5,"content_type":"text/csv","elapsed_ms":52.318,"ttfb_ms":1.5,)"
            R"("dns_ms":0.5,"connect_ms":1,"tls_ms":2.25,"attempts":1,"error":null,)"
            R"("remote_ip":"::1","sha256":")" +
                std::string(64, 'a') +
                R"(","headers":{"age":"3","etag":"\"x\""},"saved_to":"out/f"})"
                "\n");
}

// A success's source is left out when it is its id, and read back as the id.
TEST(RecordCodecTest, ASourceEqualToTheIdIsWrittenOnce) {
  Record record = success();
  record.id = record.source;
  const std::string line = line_of(record);
  EXPECT_EQ(line.find("\"source\""), std::string::npos) << line;
  const auto back = parse_json_line(line);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->id, "urls.txt:8");
  EXPECT_EQ(back->source, "urls.txt:8");
}

TEST(RecordCodecTest, TheFieldsOfIssue15SurviveARoundTrip) {
  Record record = success();
  record.id = "row-1";
  record.content_type = "application/json";
  record.remote_ip = "127.0.0.1";
  record.dns_ms = 0.25;
  record.connect_ms = 0.5;
  record.tls_ms = 3;
  record.sha256 = std::string(64, 'f');
  record.headers = {{"x-request-id", "abc"}};
  const auto back = parse_json_line(line_of(record));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->id, "row-1");
  EXPECT_EQ(back->source, "urls.txt:8");
  EXPECT_EQ(back->content_type, record.content_type);
  EXPECT_EQ(back->remote_ip, record.remote_ip);
  EXPECT_EQ(back->dns_ms, 0.25);
  EXPECT_EQ(back->connect_ms, 0.5);
  EXPECT_EQ(back->tls_ms, 3);
  EXPECT_EQ(back->sha256, record.sha256);
  EXPECT_EQ(back->headers, record.headers);
}

TEST(RecordCodecTest, ReadsARecordWrittenBeforeIssue15) {
  const auto back = parse_json_line(
      R"({"url":"http://a/","status":200,"ok":true,"bytes":1,"elapsed_ms":1,"ttfb_ms":1,)"
      R"("attempts":1,"error":null})");
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(back->id.empty());
  EXPECT_EQ(back->dns_ms, 0);
  EXPECT_TRUE(back->headers.empty());
  EXPECT_FALSE(parse_json_line(R"({"url":"u","status":null,"ok":false,"bytes":0,)"
                               R"("elapsed_ms":0,"ttfb_ms":0,"attempts":0,"error":null,)"
                               R"("headers":{"a":1}})"));
}

TEST(RecordCodecTest, RoundsMillisecondsToMicroseconds) {
  Record record = success();
  record.elapsed_ms = 0.0004;
  record.ttfb_ms = 1234.56789;
  const auto parsed = nlohmann::json::parse(line_of(record));
  EXPECT_EQ(parsed["elapsed_ms"].dump(), "0");
  EXPECT_EQ(parsed["ttfb_ms"].dump(), "1234.568");
}

TEST(RecordCodecTest, AppendsToTheCallersBuffer) {
  std::string out = "kept\n";
  append_json_line(out, success());
  append_json_line(out, failure());
  EXPECT_EQ(out, "kept\n" + line_of(success()) + line_of(failure()));
}

// Each hostile string with what it must read back as after a JSON parse.
struct Hostile {
  std::string raw;
  std::string decoded;
};

std::vector<Hostile> hostile_strings() {
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  return {
      {R"(http://x/"quoted")", R"(http://x/"quoted")"},
      {R"(http://x/back\slash\)", R"(http://x/back\slash\)"},
      {"http://x/new\nline\r", "http://x/new\nline\r"},
      {"http://x/\ttab", "http://x/\ttab"},
      {"http://x/nul\0byte"s, "http://x/nul\0byte"s},
      {"http://x/\x01\x1f\x7f", "http://x/\x01\x1f\x7f"},
      {"http://x/\xff\xfe", "http://x/" + replacement + replacement},
      {"http://x/cut\xE2\x82", "http://x/cut" + replacement},
      {"http://x/\xF0\x9F\x98\x80", "http://x/\xF0\x9F\x98\x80"},  // emoji, 4 bytes
      {"", ""},
  };
}

TEST(RecordCodecTest, EscapesHostileStringsIntoOneValidLine) {
  for (const auto& [raw, decoded] : hostile_strings()) {
    SCOPED_TRACE(nlohmann::json(raw).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    Record record = failure();
    record.url = raw;
    record.source = raw;
    record.error->message = raw;
    record.final_url = raw;
    record.saved_to = raw;
    const std::string line = line_of(record);
    ASSERT_EQ(line.find('\n'), line.size() - 1);
    ASSERT_TRUE(nlohmann::json::accept(line));
    const auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed["url"], decoded);
    EXPECT_EQ(parsed["source"], decoded);
    EXPECT_EQ(parsed["error"]["message"], decoded);
    EXPECT_EQ(parsed["final_url"], decoded);
    EXPECT_EQ(parsed["saved_to"], decoded);

    const auto back = parse_json_line(line);
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(back->url, decoded);
    EXPECT_EQ(back->error->message, decoded);
  }
}

// Plain ASCII skips nlohmann on the way out: every byte must still come out as nlohmann
// writes it, at the edges of the plain range and beyond.
TEST(RecordCodecTest, WritesEachByteAsNlohmannDoes) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string url = "http://x/a"s + static_cast<char>(byte) + "b";
    SCOPED_TRACE(byte);
    Record record = success();
    record.url = url;
    const std::string expected =
        "\"url\":" +
        nlohmann::json(url).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ',';
    EXPECT_NE(line_of(record).find(expected), std::string::npos);
  }
}

TEST(RecordCodecTest, AsWrittenIsWhatARecordReadsBack) {
  for (const auto& [raw, decoded] : hostile_strings()) {
    SCOPED_TRACE(nlohmann::json(raw).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    EXPECT_EQ(as_written(raw), decoded);
  }
}

TEST(RecordCodecTest, KeepsEmojiAsRawBytes) {
  Record record = success();
  record.url = "http://x/\xF0\x9F\x98\x80";
  EXPECT_NE(line_of(record).find("http://x/\xF0\x9F\x98\x80\""), std::string::npos);
}

TEST(RecordCodecTest, RoundTripsEveryField) {
  Record record = failure();
  record.status = 503;
  record.bytes = std::numeric_limits<std::uint64_t>::max();
  record.elapsed_ms = 1000.25;
  record.ttfb_ms = 999.125;
  record.final_url = "http://b.test/moved";
  record.saved_to = "out/file";
  record.skipped = true;
  record.wire_bytes = 7;
  record.http_version = "1.1";
  const auto back = parse_json_line(line_of(record));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->url, record.url);
  EXPECT_EQ(back->source, record.source);
  EXPECT_EQ(back->status, 503);
  EXPECT_FALSE(back->ok);
  EXPECT_EQ(back->bytes, record.bytes);
  EXPECT_EQ(back->elapsed_ms, 1000.25);
  EXPECT_EQ(back->ttfb_ms, 999.125);
  EXPECT_EQ(back->attempts, 2);
  EXPECT_TRUE(back->skipped);
  ASSERT_TRUE(back->error.has_value());
  EXPECT_EQ(back->error->kind, ErrorKind::Connect);
  EXPECT_EQ(back->error->message, "Connection refused");
  EXPECT_EQ(back->final_url, record.final_url);
  EXPECT_EQ(back->saved_to, record.saved_to);
  EXPECT_EQ(back->wire_bytes, 7u);
  EXPECT_EQ(back->http_version, "1.1");
}

TEST(RecordCodecTest, WritesSkippedOnlyWhenSet) {
  Record record;
  record.url = "http://h/a";
  EXPECT_EQ(line_of(record).find("skipped"), std::string::npos);
  record.skipped = true;
  EXPECT_NE(line_of(record).find(R"(,"skipped":true})"), std::string::npos) << line_of(record);
}

TEST(RecordCodecTest, RoundTripsASuccessWithoutOptionalKeys) {
  const auto back = parse_json_line(line_of(success()));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_TRUE(back->ok);
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(back->source, "");
  EXPECT_FALSE(back->error.has_value());
  EXPECT_FALSE(back->final_url.has_value());
  EXPECT_FALSE(back->saved_to.has_value());
}

TEST(RecordCodecTest, RoundTripsEveryErrorKind) {
  for (const ErrorKind kind :
       {ErrorKind::InvalidUrl, ErrorKind::UnsupportedScheme, ErrorKind::Dns, ErrorKind::Connect,
        ErrorKind::Tls, ErrorKind::Timeout, ErrorKind::Http, ErrorKind::Network,
        ErrorKind::Protocol, ErrorKind::TooLarge, ErrorKind::Io, ErrorKind::Cancelled,
        ErrorKind::Other}) {
    Record record = failure();
    record.error->kind = kind;
    const auto back = parse_json_line(line_of(record));
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(back->error->kind, kind) << to_string(kind);
  }
}

TEST(RecordCodecTest, WritesNonFiniteMillisecondsAsNullAndReadsThemBack) {
  Record record = success();
  record.elapsed_ms = std::numeric_limits<double>::infinity();
  record.ttfb_ms = std::numeric_limits<double>::quiet_NaN();
  const std::string line = line_of(record);
  EXPECT_NE(line.find(R"("elapsed_ms":null,"ttfb_ms":null)"), std::string::npos);
  const auto back = parse_json_line(line);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_TRUE(std::isnan(back->elapsed_ms));
  EXPECT_TRUE(std::isnan(back->ttfb_ms));
}

TEST(RecordCodecTest, ParseSaysWhatIsWrong) {
  const std::string good = line_of(failure());
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string line = good;
    line.replace(line.find(from), from.size(), to);
    return line;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"url\":", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {replaced(R"("url":"http://b.test/",)", ""), R"(missing "url")"},
      {replaced(R"("url":"http://b.test/")", R"("url":1)"), R"("url" must be a string)"},
      {replaced(R"("status":null)", R"("status":"200")"), R"("status" must be an integer)"},
      {replaced(R"("status":null)", R"("status":99999999999)"), R"("status" must be an integer)"},
      {replaced(R"("bytes":0)", R"("bytes":-1)"), R"("bytes" must be an integer)"},
      {replaced(R"("ok":false)", R"("ok":0)"), R"("ok" must be true or false)"},
      {replaced(R"("elapsed_ms":3,)", ""), R"(missing "elapsed_ms")"},
      {replaced(R"("connect")", R"("gremlins")"), R"(unknown error kind "gremlins")"},
      {replaced(R"("message":"Connection refused")", R"("message":null)"),
       R"(in "error": "message" must be a string)"},
  };
  for (const auto& [line, message] : cases) {
    const auto parsed = parse_json_line(line);
    ASSERT_FALSE(parsed.has_value()) << line;
    EXPECT_NE(parsed.error().find(message), std::string::npos) << parsed.error();
  }
}

}  // namespace
}  // namespace sluice
