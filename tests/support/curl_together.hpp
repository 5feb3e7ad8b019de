// libcurl easy handles for tests: an owning pointer, and running several at once for tests
// that need requests to overlap on the server.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <vector>

namespace sluice::test {

struct CurlEasyCleanup {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
// An easy handle that cleans itself up.
using CurlEasy = std::unique_ptr<CURL, CurlEasyCleanup>;

// Adds every handle to one multi handle and drives them until all are done or `limit`
// passes. Returns each handle's result, in order; CURLE_OPERATION_TIMEDOUT for those still
// running at the limit. The handles are removed again and stay the caller's.
std::vector<CURLcode> perform_together(const std::vector<CURL*>& handles,
                                       std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace sluice::test
