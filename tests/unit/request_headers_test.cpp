// -H values: the shapes curl takes, and refusals that never show a header's value.
#include "request_headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::detail {
namespace {

TEST(RequestHeadersTest, AcceptsTheShapesCurlTakes) {
  EXPECT_TRUE(check_request_header("X-A: 1").has_value());
  EXPECT_TRUE(check_request_header("Accept:").has_value());
  EXPECT_TRUE(check_request_header("X-Empty;").has_value());
  EXPECT_TRUE(check_request_header("X-Tab: a\tb").has_value());
}

TEST(RequestHeadersTest, RefusesAHeaderWithoutAName) {
  EXPECT_FALSE(check_request_header("no colon").has_value());
  EXPECT_FALSE(check_request_header(": value").has_value());
  EXPECT_FALSE(check_request_header("Bad Name: x").has_value());
  EXPECT_FALSE(check_request_header("X;junk").has_value());
}

TEST(RequestHeadersTest, RefusesControlBytesWithoutShowingTheValue) {
  const auto checked = check_request_header("Authorization: Bearer s3cret\r\nX-Injected: 1");
  ASSERT_FALSE(checked.has_value());
  EXPECT_NE(checked.error().find("'Authorization'"), std::string::npos);
  EXPECT_EQ(checked.error().find("s3cret"), std::string::npos);
}

TEST(RequestHeadersTest, ARequestsHeaderReplacesTheRunsOfTheSameName) {
  EXPECT_EQ(merged_headers({"Accept: a", "X-Run: 1", "x-both: run"}, {"X-Both: own", "Accept:"}),
            (std::vector<std::string>{"X-Run: 1", "X-Both: own", "Accept:"}));
  EXPECT_EQ(merged_headers({"A: 1"}, {}), (std::vector<std::string>{"A: 1"}));
}

TEST(RequestHeadersTest, OtherHostsGetNoCredentialHeaders) {
  EXPECT_EQ(headers_without_credentials({"authorization: x", "Cookie;", "X-A: 1"}),
            (std::vector<std::string>{"X-A: 1"}));
}

}  // namespace
}  // namespace sluice::detail
