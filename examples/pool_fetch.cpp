// The right thread form: N workers pull URLs from one bounded queue, each taking the next URL
// the moment it finishes the last one, so a slow URL holds up only its own worker. Compare
// threads_barrier_fetch, where a slow URL holds up every URL of its slice.
//
// Usage: example_pool_fetch PREFIX COUNT N   fetches PREFIX/1..PREFIX/COUNT with N workers
//        example_pool_fetch - N              fetches the URLs on stdin, one a line
#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// A queue with room for `capacity` URLs: push() waits while it is full, pop() waits while it
// is empty, and returns nothing once close() was called and the queue ran dry.
// Thread-safe: every member is guarded by mutex_.
class UrlQueue {
 public:
  explicit UrlQueue(std::size_t capacity) : capacity_(capacity) {}

  void push(std::string url) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [this] { return urls_.size() < capacity_; });
    urls_.push_back(std::move(url));
    not_empty_.notify_one();
  }

  // [article:queue-pop]
  std::optional<std::string> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [this] { return !urls_.empty() || closed_; });
    if (urls_.empty()) return std::nullopt;  // closed and drained: the worker may stop
    std::string url = std::move(urls_.front());
    urls_.pop_front();
    not_full_.notify_one();
    return url;
  }
  // [/article:queue-pop]

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();  // wake every idle worker so that each can see the end
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<std::string> urls_;
  std::size_t capacity_;
  bool closed_ = false;
};

// The body is not needed; telling curl we took every byte keeps the transfer going.
std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

bool fetch(CURL* handle, const std::string& url) {
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_body);
  long status = 0;
  const CURLcode result = curl_easy_perform(handle);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return result == CURLE_OK && status == 200;
}

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::size_t n = 0;
  unsigned long count = 0;
  try {
    if (args.size() == 3) count = std::stoul(args[1]);
    if (args.size() == 2 || args.size() == 3) n = std::stoul(args.back());
  } catch (const std::exception&) {
  }
  if (n == 0 || (args.size() == 2 && args[0] != "-")) {
    std::cerr << "usage: example_pool_fetch (PREFIX COUNT | -) N\n";
    return 1;
  }
  // Must run before any thread touches curl: it is not thread-safe itself.
  curl_global_init(CURL_GLOBAL_DEFAULT);

  // A small queue is enough: the workers only need the next URL ready when they finish one.
  UrlQueue queue(2 * n);
  std::atomic<std::size_t> fetched{0};  // relaxed: read only after every worker is joined
  const auto start = std::chrono::steady_clock::now();

  // [article:pool-workers]
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < n; ++i) {
    workers.emplace_back([&queue, &fetched] {
      CURL* handle = curl_easy_init();  // one handle per worker, so its connection is reused
      while (const auto url = queue.pop()) {
        if (fetch(handle, *url)) fetched.fetch_add(1, std::memory_order_relaxed);
      }
      curl_easy_cleanup(handle);
    });
  }
  // [/article:pool-workers]
  // Main is the reader: it streams the list into the queue while the workers fetch.
  std::size_t total = 0;
  if (args.size() == 3) {
    for (unsigned long i = 1; i <= count; ++i) {
      queue.push(args[0] + "/" + std::to_string(i));
      ++total;
    }
  } else {
    for (std::string line; std::getline(std::cin, line);) {
      if (line.empty()) continue;
      queue.push(line);
      ++total;
    }
  }
  queue.close();
  for (auto& worker : workers) worker.join();

  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("workers %zu\n", n);
  std::printf("fetched %zu of %zu in %.2f s\n", fetched.load(std::memory_order_relaxed), total,
              elapsed.count());
  curl_global_cleanup();
  return fetched.load(std::memory_order_relaxed) == total ? 0 : 1;
}
