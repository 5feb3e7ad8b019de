// The first textbook answer to "fetch these URLs with N threads": cut the list into N static
// slices, give each slice a thread that fetches it one URL after another, and let main meet the
// workers at a std::barrier sized N + 1 (the N workers plus main) before it reports.
//
// Usage: example_threads_barrier_fetch [--naive-slices] PREFIX COUNT N  fetches PREFIX/1..COUNT
//        example_threads_barrier_fetch [--naive-slices] - N             fetches the URLs on stdin
// --naive-slices reproduces the classic bug described at naive_slices() below: it hangs.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

struct Slice {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last index
};

// Exactly n slices of len / n URLs each; the last slice also takes the remainder.
std::vector<Slice> correct_slices(std::size_t len, std::size_t n) {
  const std::size_t size = len / n;
  std::vector<Slice> slices;
  for (std::size_t i = 0; i < n; ++i) {
    slices.push_back({i * size, i + 1 == n ? len : (i + 1) * size});
  }
  return slices;
}

// [article:naive-slices]
// The bug: steps of len / n make ceil(len / (len / n)) slices, more than n whenever
// len % n != 0 and up to 2n - 1 (10 URLs, n = 3: 3+3+3+1; 5 URLs, n = 3: five of 1). The
// barrier counts n + 1 arrivals per phase, but one more thread per extra slice arrives.
// std::barrier completes phase 0 at the (n + 1)-th arrival, whoever it is, and starts phase 1
// with the count reset to n + 1; the later arrivals, fewer than n + 1, wait for a phase that
// nobody else will ever join, and main (if released too early) waits for them in join().
std::vector<Slice> naive_slices(std::size_t len, std::size_t n) {
  const std::size_t size = std::max<std::size_t>(1, len / n);
  std::vector<Slice> slices;
  for (std::size_t begin = 0; begin < len; begin += size) {
    slices.push_back({begin, std::min(begin + size, len)});
  }
  return slices;
}
// [/article:naive-slices]

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

// Reads "PREFIX COUNT N" or "- N" (URLs on stdin, one a line); false on anything else.
bool read_command_line(const std::vector<std::string>& args, std::vector<std::string>& urls,
                       std::size_t& n) {
  try {
    if (args.size() == 2 && args[0] == "-") {
      for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty()) urls.push_back(line);
      }
    } else if (args.size() == 3) {
      const unsigned long count = std::stoul(args[1]);
      for (unsigned long i = 1; i <= count; ++i) urls.push_back(args[0] + "/" + std::to_string(i));
    } else {
      return false;
    }
    n = std::stoul(args.back());
  } catch (const std::exception&) {
    return false;
  }
  return n > 0 && !urls.empty();
}

int main(int argc, char** argv) {
  bool naive = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--naive-slices") {
      naive = true;
    } else {
      args.push_back(arg);
    }
  }
  std::vector<std::string> urls;
  std::size_t n = 0;
  if (!read_command_line(args, urls, n)) {
    std::cerr << "usage: example_threads_barrier_fetch [--naive-slices] (PREFIX COUNT | -) N\n";
    return 1;
  }
  // Must run before any thread touches curl: it is not thread-safe itself.
  curl_global_init(CURL_GLOBAL_DEFAULT);

  const auto slices = naive ? naive_slices(urls.size(), n) : correct_slices(urls.size(), n);
  std::barrier meeting(static_cast<std::ptrdiff_t>(n + 1));  // N workers + main
  // Relaxed is enough: arriving at the barrier happens-before main's wait returns.
  std::atomic<std::size_t> fetched{0};
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::thread> workers;
  for (const Slice slice : slices) {
    workers.emplace_back([&urls, &fetched, &meeting, slice] {
      CURL* handle = curl_easy_init();  // one handle per thread, so its connection is reused
      for (std::size_t i = slice.begin; i < slice.end; ++i) {
        if (fetch(handle, urls[i])) fetched.fetch_add(1, std::memory_order_relaxed);
      }
      curl_easy_cleanup(handle);
      meeting.arrive_and_wait();
    });
  }
  std::printf("slices %zu, threads %zu\n", slices.size(), workers.size());
  std::fflush(stdout);  // in naive mode nothing after the barrier is sure to run
  meeting.arrive_and_wait();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("fetched %zu of %zu in %.2f s\n", fetched.load(std::memory_order_relaxed),
              urls.size(), elapsed.count());
  std::fflush(stdout);  // in naive mode the join below never returns

  for (auto& worker : workers) worker.join();
  curl_global_cleanup();
  return fetched.load(std::memory_order_relaxed) == urls.size() ? 0 : 1;
}
