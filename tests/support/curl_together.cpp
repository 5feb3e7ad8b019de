// libcurl easy handles for tests: running several at once, for tests that need requests to
// overlap on the server.
#include "support/curl_together.hpp"

#include <algorithm>
#include <memory>

namespace sluice::test {

std::vector<CURLcode> perform_together(const std::vector<CURL*>& handles,
                                       std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  const std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                                    curl_multi_cleanup);
  for (CURL* handle : handles) curl_multi_add_handle(multi.get(), handle);
  std::vector<CURLcode> codes(handles.size(), CURLE_OPERATION_TIMEDOUT);
  const auto deadline = Clock::now() + limit;
  int running = 1;
  while (running > 0 && Clock::now() < deadline) {
    curl_multi_perform(multi.get(), &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      const auto at = std::find(handles.begin(), handles.end(), message->easy_handle);
      codes[static_cast<std::size_t>(at - handles.begin())] = message->data.result;
    }
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  }
  for (CURL* handle : handles) curl_multi_remove_handle(multi.get(), handle);
  return codes;
}

}  // namespace sluice::test
