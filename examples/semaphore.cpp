// A std::counting_semaphore bounds how many threads use a resource at once. Here WORKERS
// threads fetch PREFIX/1..PREFIX/N, but only PERMITS of them may have a request open.
//
// Usage: example_semaphore PREFIX N WORKERS PERMITS
//   e.g. example_semaphore http://127.0.0.1:8080/todos 100 20 5
// Prints the wall time and the peak number of requests seen open at once, which equals
// PERMITS whenever more workers than permits compete. Exits 1 if any fetch failed.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// Counts the requests open right now and the most ever open together. A mutex keeps the
// two numbers consistent with each other; it is held for a moment, never during a fetch.
class ConcurrencyMeter {
 public:
  void enter() {
    std::lock_guard lock(mutex_);
    ++open_;
    if (open_ > peak_) peak_ = open_;
  }
  void leave() {
    std::lock_guard lock(mutex_);
    --open_;
  }
  int peak() {
    std::lock_guard lock(mutex_);
    return peak_;
  }

 private:
  std::mutex mutex_;
  int open_ = 0;  // guarded by mutex_
  int peak_ = 0;  // guarded by mutex_
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: example_semaphore PREFIX N WORKERS PERMITS\n");
    return 1;
  }
  const std::string prefix = argv[1];
  const int n = std::atoi(argv[2]);
  const int workers = std::atoi(argv[3]);
  const int permits = std::atoi(argv[4]);
  if (n < 1 || workers < 1 || permits < 1) {
    std::fprintf(stderr, "N, WORKERS and PERMITS must be positive numbers\n");
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);  // once, before any thread uses libcurl

  // The semaphore starts with PERMITS permits: acquire() takes one or waits until one is
  // free, release() gives it back. The template argument is only an upper bound.
  std::counting_semaphore<> open_requests(permits);
  ConcurrencyMeter meter;
  std::mutex failures_mutex;
  int failures = 0;  // guarded by failures_mutex

  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        // One easy handle per thread, kept for all its fetches, so its connection is reused.
        CURL* curl = curl_easy_init();
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);  // an HTTP 4xx/5xx is a failure
        // Worker w takes URLs w+1, w+1+WORKERS, ...: a fixed share, so no queue is needed.
        for (int id = w + 1; id <= n; id += workers) {
          const std::string url = prefix + "/" + std::to_string(id);
          curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
          // [article:semaphore-permit]
          open_requests.acquire();
          meter.enter();
          const CURLcode code = curl_easy_perform(curl);
          meter.leave();  // before release(), so the meter never sees PERMITS + 1
          open_requests.release();
          // [/article:semaphore-permit]
          if (code != CURLE_OK) {
            std::fprintf(stderr, "%s: %s\n", url.c_str(), curl_easy_strerror(code));
            std::lock_guard lock(failures_mutex);
            ++failures;
          }
        }
        curl_easy_cleanup(curl);
      });
    }
  }  // the jthreads join here
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("fetched %d in %.2f s with %d workers and %d permits\n", n - failures,
              elapsed.count(), workers, permits);
  std::printf("peak concurrency %d (permits %d)\n", meter.peak(), permits);
  curl_global_cleanup();
  return failures == 0 ? 0 : 1;
}
