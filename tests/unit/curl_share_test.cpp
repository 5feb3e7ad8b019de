// The share handle's locking: easy handles on many threads attach to and leave one share
// at once (libcurl counts them under the share's own lock), and the share is cleaned up
// after them. Run under the tsan preset, a missing or shared lock shows as a data race.
#include "engines/curl_share.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

TEST(CurlShareTest, HandlesOnManyThreadsAttachAndLeaveAtOnce) {
  constexpr int kThreads = 8;
  constexpr int kHandlesEach = 200;
  CurlShare share;
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&share] {
      for (int i = 0; i < kHandlesEach; ++i) {
        CURL* easy = curl_easy_init();
        ASSERT_NE(easy, nullptr);
        share.attach(easy);
        curl_easy_cleanup(easy);  // leaves the share
      }
    });
  }
  threads.clear();  // joins
}

}  // namespace
}  // namespace sluice
