// Tests for parse_request_line: every field, and a message naming the field for each mistake.
#include "input/request_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

std::string error_of(std::string_view line) {
  const auto parsed = parse_request_line(line);
  EXPECT_FALSE(parsed.has_value()) << line;
  return parsed ? std::string() : parsed.error().message;
}

TEST(RequestLineTest, ReadsEveryField) {
  const auto request = parse_request_line(
      R"({"url":"http://a/x","id":"row-1","method":"POST","headers":{"X-A":"1","Accept":null,)"
      R"("X-Empty":""},"body":"{\"k\":1}","out":"dir/x.json","sha256":")" +
      std::string(64, 'A') + R"("})");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->url, "http://a/x");
  EXPECT_EQ(request->id, "row-1");
  EXPECT_EQ(request->method, "POST");
  // nlohmann orders an object's keys.
  EXPECT_EQ(request->headers, (std::vector<std::string>{"Accept:", "X-A: 1", "X-Empty;"}));
  EXPECT_EQ(request->body, R"({"k":1})");
  EXPECT_EQ(request->out, "dir/x.json");
  EXPECT_EQ(request->sha256, std::string(64, 'a'));
}

TEST(RequestLineTest, OnlyTheUrlIsRequired) {
  const auto request = parse_request_line(R"({"url":"h/1"})");
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->id.empty());
  EXPECT_TRUE(request->method.empty());
  EXPECT_TRUE(request->headers.empty());
  EXPECT_FALSE(request->body.has_value());
}

TEST(RequestLineTest, ANumericIdIsWrittenAsJsonWritesIt) {
  EXPECT_EQ(parse_request_line(R"({"url":"h","id":42})")->id, "42");
}

TEST(RequestLineTest, EachMistakeNamesItsField) {
  EXPECT_EQ(error_of("nope"), "not valid JSON");
  EXPECT_EQ(error_of("[1]"), "not a JSON object");
  EXPECT_EQ(error_of(R"({"id":"x"})"), "missing \"url\"");
  EXPECT_EQ(error_of(R"({"url":1})"), "\"url\" must be a string");
  EXPECT_EQ(error_of(R"({"url":"h","id":true})"), "\"id\" must be a string or a number");
  EXPECT_EQ(error_of(R"({"url":"h","method":"GE T"})"),
            "\"method\" must be a method name such as \"POST\"");
  EXPECT_EQ(error_of(R"({"url":"h","headers":[]})"), "\"headers\" must be an object");
  EXPECT_EQ(error_of(R"({"url":"h","body":{}})"), "\"body\" must be a string");
  EXPECT_EQ(error_of(R"({"url":"h","out":1})"), "\"out\" must be a string");
  EXPECT_EQ(error_of(R"({"url":"h","sha256":"abc"})"), "\"sha256\" must be 64 hex digits");
  EXPECT_EQ(error_of(R"({"url":"h","Method":"POST"})"), "unknown field \"Method\"");
}

TEST(RequestLineTest, AHeaderThatWouldSmuggleAnotherOneIsRefusedWithoutItsValue) {
  const std::string message =
      error_of(R"({"url":"h","headers":{"Authorization":"Bearer pw\r\nX-Evil: 1"}})");
  EXPECT_NE(message.find("\"headers\""), std::string::npos) << message;
  EXPECT_NE(message.find("Authorization"), std::string::npos) << message;
  EXPECT_EQ(message.find("pw"), std::string::npos) << message;
  EXPECT_EQ(parse_request_line(R"({"url":"http://h/x","body":5})").error().url, "http://h/x");
}

}  // namespace
}  // namespace sluice
