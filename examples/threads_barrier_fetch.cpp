// The first textbook answer to "fetch these URLs with N threads", as it is written: cut the list
// into chunks of len / N URLs, give each chunk a thread that fetches it one URL after another
// with a throwaway client, and let main meet the threads at a std::barrier of N + 1 parties
// (N threads and main) before it reports.
//
// Usage: example_threads_barrier_fetch [--party-per-chunk] PREFIX COUNT N  fetches PREFIX/1..COUNT
//        example_threads_barrier_fetch [--party-per-chunk] - N             fetches the URLs on
//        stdin
// As written, it hangs when the chunks are more than N (205 URLs, N = 10: eleven chunks of up
// to 20). Twelve threads then arrive at a barrier that counts eleven: the first eleven arrivals
// (main among them, as it arrives first) complete its phase 0, and the last one is counted
// toward phase 1, which nobody else will ever join. That thread waits forever, and main,
// released too early, waits forever for it in join(). --party-per-chunk sizes the barrier by
// the chunks (chunks + 1 parties), the one change `sluice --engine textbook-slices` makes.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using Chunk = std::vector<std::string>;

// [article:naive-slices]
// Python's itertools.batched: consecutive chunks of `size` URLs, the last one shorter. With
// size = len / n, 200 URLs and n = 10 make 10 chunks of 20, but 205 make 11 and 19 make 19;
// fewer URLs than n make a size of 0, which batched rejects.
std::vector<Chunk> batched(const std::vector<std::string>& urls, std::size_t size) {
  if (size < 1) throw std::invalid_argument("n must be at least one");
  std::vector<Chunk> chunks;
  for (std::size_t begin = 0; begin < urls.size(); begin += size) {
    const std::size_t end = std::min(begin + size, urls.size());
    chunks.emplace_back(urls.begin() + static_cast<std::ptrdiff_t>(begin),
                        urls.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}
// [/article:naive-slices]

// The body is not needed; telling curl we took every byte keeps the transfer going.
std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// A GET with a throwaway client: a new easy handle, and so a new connection, for every URL.
bool fetch(const std::string& url) {
  CURL* handle = curl_easy_init();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_body);
  long status = 0;
  const CURLcode result = curl_easy_perform(handle);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(handle);
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
  return n > 0;
}

int main(int argc, char** argv) {
  bool party_per_chunk = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--party-per-chunk") {
      party_per_chunk = true;
    } else {
      args.push_back(arg);
    }
  }
  std::vector<std::string> urls;
  std::size_t n = 0;
  if (!read_command_line(args, urls, n)) {
    std::cerr << "usage: example_threads_barrier_fetch [--party-per-chunk] (PREFIX COUNT | -) N\n";
    return 1;
  }
  std::vector<Chunk> chunks;
  try {
    chunks = batched(urls, urls.size() / n);
  } catch (const std::invalid_argument& error) {
    std::cerr << "error: " << error.what() << " (" << urls.size() << " URLs, N = " << n << ")\n";
    return 1;
  }
  // Must run before any thread touches curl: it is not thread-safe itself.
  curl_global_init(CURL_GLOBAL_DEFAULT);

  const std::size_t parties = (party_per_chunk ? chunks.size() : n) + 1;  // threads + main
  std::barrier meeting(static_cast<std::ptrdiff_t>(parties));
  // Relaxed is enough: arriving at the barrier happens-before main's wait returns.
  std::atomic<std::size_t> fetched{0};
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::thread> threads;
  for (const Chunk& chunk : chunks) {
    threads.emplace_back([&fetched, &meeting, &chunk] {
      for (const std::string& url : chunk) {
        if (fetch(url)) fetched.fetch_add(1, std::memory_order_relaxed);
      }
      meeting.arrive_and_wait();
    });
  }
  std::printf("chunks %zu, parties %zu\n", chunks.size(), parties);
  std::fflush(stdout);  // with more chunks than N, nothing after the barrier is sure to run
  meeting.arrive_and_wait();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("fetched %zu of %zu in %.2f s\n", fetched.load(std::memory_order_relaxed),
              urls.size(), elapsed.count());
  std::fflush(stdout);  // with more chunks than N, the join below never returns

  for (auto& thread : threads) thread.join();
  curl_global_cleanup();
  return fetched.load(std::memory_order_relaxed) == urls.size() ? 0 : 1;
}
