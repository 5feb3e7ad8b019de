// Header reading on a handle that has no answer: nothing is asked of us. (The parsing of the
// RateLimit fields is tested in rate_limit_headers_test.cpp; answers with headers in the
// integration tests.)
#include "engines/answer_headers.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

TEST(AnswerHeadersTest, AHandleWithoutAnAnswerAsksForNoPauseAndNoLimit) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  EXPECT_FALSE(retry_after(easy));
  EXPECT_FALSE(announced_rate_limit(easy, std::chrono::system_clock::now()));
  curl_easy_cleanup(easy);
}

}  // namespace
}  // namespace sluice
