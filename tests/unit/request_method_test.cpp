// Tests for the method and body a request is sent with, the retry rule by method, and the
// method a redirect's next hop uses.
#include "engines/request_method.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

TEST(RequestMethodTest, TheRequestsOwnMethodAndBodyComeBeforeTheRuns) {
  Options options;
  InputItem item;
  EXPECT_EQ(effective_method(item, options), "GET");
  EXPECT_EQ(effective_body(item, options), nullptr);

  options.body = "run";
  EXPECT_EQ(effective_method(item, options), "POST");
  EXPECT_EQ(*effective_body(item, options), "run");
  options.method = "PUT";
  EXPECT_EQ(effective_method(item, options), "PUT");

  item.request.edit().method = "PATCH";
  item.request.edit().body = "own";
  EXPECT_EQ(effective_method(item, options), "PATCH");
  EXPECT_EQ(*effective_body(item, options), "own");
}

// A run whose options carry a body. Made out of line: g++ 12 at -O2 inlines the assignment
// into a test body and takes it for a read of the empty optional's string (a false
// -Wmaybe-uninitialized).
[[gnu::noinline]] Options options_with_body(const char* body) {
  Options options;
  options.body = body;
  return options;
}

TEST(RequestMethodTest, ARedirectThatChangedTheMethodSendsNoBody) {
  const Options options = options_with_body("run");
  InputItem item;
  item.redirected = std::make_unique<RedirectTrail>(
      RedirectTrail{.start_url = "http://h/", .start_host = "http://h:80"});
  EXPECT_EQ(effective_method(item, options), "POST");
  item.redirected->method = "GET";
  EXPECT_EQ(effective_method(item, options), "GET");
  EXPECT_EQ(effective_body(item, options), nullptr);
}

TEST(RequestMethodTest, OnlySafeMethodsAreRetriedByDefault) {
  Options options;
  for (const char* method : {"GET", "HEAD", "OPTIONS"}) EXPECT_TRUE(may_retry(method, options));
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_FALSE(may_retry(method, options)) << method;
  }
  options.retry_all_methods = true;
  EXPECT_TRUE(may_retry("POST", options));
}

TEST(RequestMethodTest, RedirectsChangeTheMethodAsLibcurlDoes) {
  EXPECT_EQ(method_after_redirect("POST", 301), "GET");
  EXPECT_EQ(method_after_redirect("POST", 302), "GET");
  EXPECT_EQ(method_after_redirect("PUT", 303), "GET");
  EXPECT_EQ(method_after_redirect("HEAD", 303), std::nullopt);
  EXPECT_EQ(method_after_redirect("PUT", 302), std::nullopt);
  EXPECT_EQ(method_after_redirect("POST", 307), std::nullopt);
  EXPECT_EQ(method_after_redirect("POST", 308), std::nullopt);
}

}  // namespace
}  // namespace sluice
