// The floor for bench/own_cost_bench.py: a minimal libcurl multi loop that fetches a list
// of URLs with C transfers at once and discards the bodies, so callgrind can tell what
// sluice spends per request on top of libcurl; with BUFFER, each handle's receive buffer
// (CURLOPT_BUFFERSIZE) is that many bytes, as sluice's are at a high -c, for the floor of
// peak RSS (docs/benchmarks.md). Usage: bare_multi_loop LIST C [BUFFER]
#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "url_list.hpp"

namespace {

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: bare_multi_loop LIST C [BUFFER]\n");
    return 2;
  }
  const std::vector<std::string> urls = read_url_list(argv[1]);
  const size_t slots = std::strtoul(argv[2], nullptr, 10);
  const long buffer = argc == 4 ? std::strtol(argv[3], nullptr, 10) : 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  size_t next = 0;
  size_t failed = 0;
  auto start = [&](CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_URL, urls[next++].c_str());
    curl_multi_add_handle(multi, easy);
  };
  for (size_t i = 0; i < slots && next < urls.size(); ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (buffer > 0) curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, buffer);
    start(easy);
  }
  int running = 1;
  while (running > 0) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      if (message->data.result != CURLE_OK) ++failed;
      curl_multi_remove_handle(multi, easy);
      if (next < urls.size()) {
        start(easy);
        ++running;  // so that the loop goes on even if this was the last one running
      } else {
        curl_easy_cleanup(easy);
      }
    }
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  std::printf("%zu fetched, %zu failed\n", urls.size(), failed);
  return failed == 0 ? 0 : 1;
}
