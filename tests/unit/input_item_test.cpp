// Tests for an input item's own request fields: held only when a request says something
// beyond its URL, and read as empty otherwise.
#include "input/input_item.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

Request request_for(std::string url) {
  Request request;
  request.url = std::move(url);
  return request;
}

TEST(SparseRequestTest, AURLAloneReadsAsARequestWithEveryFieldEmpty) {
  SparseRequest request;
  EXPECT_TRUE(request->id.empty());
  EXPECT_FALSE(request->body.has_value());

  request = request_for("http://a/x");
  EXPECT_TRUE(request->url.empty());
  EXPECT_TRUE(request->method.empty());
  EXPECT_TRUE(request->headers.empty());
}

TEST(SparseRequestTest, KeepsEveryFieldButTheURLOfARequestThatSaysMore) {
  SparseRequest request;
  Request said = request_for("http://a/x");
  said.id = "row-1";
  said.headers = {"A: 1"};
  said.body = "";  // an empty body is still a body
  request = std::move(said);
  EXPECT_EQ(request->id, "row-1");
  EXPECT_EQ(request->headers, (std::vector<std::string>{"A: 1"}));
  EXPECT_EQ(request->body, "");
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
