// The second textbook answer, as it is written: one event loop (the libcurl multi interface), the
// list cut into chunks of len / N URLs, a task per chunk, and a semaphore of N permits. Each task
// holds one permit for its whole chunk and fetches the chunk's URLs one after another, each with
// a throwaway client. So at most N requests are in flight; but while there are at most N chunks
// the semaphore holds no task back, and an (N + 1)-th chunk (205 URLs, N = 10) waits for a whole
// chunk to end. The right form (--per-request) makes a task, and a permit, of every URL, on
// connections the loop reuses.
//
// Usage: example_async_semaphore_fetch [--per-request] PREFIX COUNT N   fetches PREFIX/1..COUNT
//        example_async_semaphore_fetch [--per-request] - N              fetches the URLs on stdin
// Without --per-request (the textbook form), fewer URLs than N are an error, as they are for
// Python's itertools.batched: a chunk size of 0.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

// What holds one permit: a chunk of URLs (textbook) or a single URL (--per-request).
struct Task {
  std::vector<std::string> urls;
  std::size_t next = 0;  // the URL to start when the one in flight is done
};

// Python's itertools.batched: consecutive chunks of `size` URLs, the last one shorter.
std::vector<std::vector<std::string>> batched(const std::vector<std::string>& urls,
                                              std::size_t size) {
  if (size < 1) throw std::invalid_argument("n must be at least one");
  std::vector<std::vector<std::string>> chunks;
  for (std::size_t begin = 0; begin < urls.size(); begin += size) {
    const std::size_t end = std::min(begin + size, urls.size());
    chunks.emplace_back(urls.begin() + static_cast<std::ptrdiff_t>(begin),
                        urls.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}

// The body is not needed; telling curl we took every byte keeps the transfer going.
std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

int main(int argc, char** argv) {
  bool per_request = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--per-request") {
      per_request = true;
    } else {
      args.push_back(arg);
    }
  }
  std::vector<std::string> urls;
  std::size_t n = 0;
  try {
    if (args.size() == 2 && args[0] == "-") {
      for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty()) urls.push_back(line);
      }
    } else if (args.size() == 3) {
      const unsigned long count = std::stoul(args[1]);
      for (unsigned long i = 1; i <= count; ++i) urls.push_back(args[0] + "/" + std::to_string(i));
    }
    if (args.size() == 2 || args.size() == 3) n = std::stoul(args.back());
  } catch (const std::exception&) {
  }
  if (n == 0) {
    std::cerr << "usage: example_async_semaphore_fetch [--per-request] (PREFIX COUNT | -) N\n";
    return 1;
  }

  // [article:tasks]
  // Textbook: a task per chunk of len / N URLs. Right form: a task per URL.
  std::vector<Task> tasks;
  try {
    if (per_request) {
      for (const auto& url : urls) tasks.push_back(Task{{url}});
    } else {
      for (auto& chunk : batched(urls, urls.size() / n)) tasks.push_back(Task{std::move(chunk)});
    }
  } catch (const std::invalid_argument& error) {
    std::cerr << "error: " << error.what() << " (" << urls.size() << " URLs, N = " << n << ")\n";
    return 1;
  }
  // [/article:tasks]

  // The semaphore, modelled as what it is: a count of free permits. With one event-loop thread
  // a std::counting_semaphore would only mislead: its acquire() would block the very thread
  // that has to finish a transfer and release a permit. A task that finds no permit simply
  // stays queued until a task that ends gives one back.
  std::size_t free_permits = n;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::size_t next_task = 0, in_flight = 0, peak_in_flight = 0, fetched = 0;
  std::map<CURL*, Task*> task_of;  // which task each running transfer belongs to
  CURLM* multi = curl_multi_init();
  const auto start = std::chrono::steady_clock::now();

  // [article:permits]
  // Starts the task's next URL; false when the task has none left.
  auto start_next = [&](Task& task) {
    if (task.next == task.urls.size()) return false;
    CURL* handle = curl_easy_init();
    curl_easy_setopt(handle, CURLOPT_URL, task.urls[task.next++].c_str());
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_body);
    if (!per_request) {  // a throwaway client: a connection of its own, closed after
      curl_easy_setopt(handle, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(handle, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_multi_add_handle(multi, handle);
    task_of[handle] = &task;
    peak_in_flight = std::max(peak_in_flight, ++in_flight);
    return true;
  };
  // A task takes a permit, and holds it until its last URL is done.
  auto start_waiting_tasks = [&] {
    while (free_permits > 0 && next_task < tasks.size()) {
      --free_permits;
      start_next(tasks[next_task++]);
    }
  };
  // [/article:permits]

  start_waiting_tasks();
  while (in_flight > 0) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* handle = message->easy_handle;
      long status = 0;
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result == CURLE_OK && status == 200) ++fetched;
      Task* task = task_of[handle];
      task_of.erase(handle);
      curl_multi_remove_handle(multi, handle);
      curl_easy_cleanup(handle);
      --in_flight;
      if (!start_next(*task)) ++free_permits;  // the task ends with its last URL
    }
    start_waiting_tasks();
    // Sleeps until a socket is ready or curl's next timeout; with no transfers left it would
    // sleep the whole second, hence the check.
    if (in_flight > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }

  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("tasks %zu, permits %zu\n", tasks.size(), n);
  std::printf("peak in flight %zu\n", peak_in_flight);
  std::printf("fetched %zu of %zu in %.2f s\n", fetched, urls.size(), elapsed.count());
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return fetched == urls.size() ? 0 : 1;
}
