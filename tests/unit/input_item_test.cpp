// Tests for an input item's own request fields: held only when a request says something
// beyond its URL, and read as empty otherwise.
#include "input/input_item.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

TEST(SparseRequestTest, AURLAloneReadsAsARequestWithEveryFieldEmpty) {
  SparseRequest request;
  EXPECT_TRUE(request->id.empty());
  EXPECT_FALSE(request->body.has_value());

  request = Request{.url = "http://a/x"};
  EXPECT_TRUE(request->url.empty());
  EXPECT_TRUE(request->method.empty());
  EXPECT_TRUE(request->headers.empty());
}

TEST(SparseRequestTest, KeepsEveryFieldButTheURLOfARequestThatSaysMore) {
  SparseRequest request;
  request = Request{.url = "http://a/x", .id = "row-1", .headers = {"A: 1"}, .body = ""};
  EXPECT_EQ(request->id, "row-1");
  EXPECT_EQ(request->headers, (std::vector<std::string>{"A: 1"}));
  EXPECT_EQ(request->body, "");  // an empty body is still a body
  EXPECT_TRUE(request->url.empty());

  request = Request{};
  EXPECT_TRUE(request->id.empty());
  EXPECT_FALSE(request->body.has_value());
}

TEST(SparseRequestTest, EditSetsOneFieldAndLeavesTheOthersEmpty) {
  SparseRequest request;
  request.edit().out = "a/b";
  request.edit().sha256 = "ab";
  EXPECT_EQ(request->out, "a/b");
  EXPECT_EQ(request->sha256, "ab");
  EXPECT_TRUE(request->method.empty());
}

}  // namespace
}  // namespace sluice
