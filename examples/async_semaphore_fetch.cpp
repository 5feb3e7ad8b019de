// The second textbook answer: one event loop (the libcurl multi interface) runs many transfers
// at once, and a semaphore of N permits is meant to cap them at N. The textbook form cuts the
// list into N slices and lets each slice task hold one permit while it starts ALL of its
// requests: N tasks, N permits, so the semaphore never makes anyone wait and every URL is in
// flight at once. The right form (--per-request) holds one permit per request.
//
// Usage: example_async_semaphore_fetch [--per-request] PREFIX COUNT N   fetches PREFIX/1..COUNT
//        example_async_semaphore_fetch [--per-request] - N              fetches the URLs on stdin
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

// What holds one permit: a whole slice (textbook) or a single URL (--per-request).
struct Task {
  std::vector<std::string> urls;
  std::size_t unfinished = 0;  // transfers started and not yet done
};

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
    if (!args.empty()) n = std::stoul(args.back());
  } catch (const std::exception&) {
  }
  if (n == 0 || urls.empty()) {
    std::cerr << "usage: example_async_semaphore_fetch [--per-request] (PREFIX COUNT | -) N\n";
    return 1;
  }

  // [article:tasks]
  // Textbook: N slices (the last takes the remainder). Right form: one task per URL.
  std::vector<Task> tasks;
  if (per_request) {
    for (const auto& url : urls) tasks.push_back(Task{{url}});
  } else {
    const std::size_t size = urls.size() / n;
    for (std::size_t i = 0; i < n; ++i) {
      const auto first = urls.begin() + static_cast<std::ptrdiff_t>(i * size);
      const auto last = i + 1 == n ? urls.end() : first + static_cast<std::ptrdiff_t>(size);
      tasks.push_back(Task{std::vector<std::string>(first, last)});
    }
  }
  // [/article:tasks]

  // The semaphore, modelled as what it is: a count of free permits. With one event-loop thread
  // a std::counting_semaphore would only mislead: its acquire() would block the very thread
  // that has to finish a transfer and release a permit. A task that finds no permit simply
  // stays queued until a finished transfer gives one back.
  std::size_t free_permits = n;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::size_t next_task = 0, in_flight = 0, peak_in_flight = 0, fetched = 0;
  std::map<CURL*, Task*> task_of;  // which task each running transfer belongs to
  CURLM* multi = curl_multi_init();
  const auto start = std::chrono::steady_clock::now();

  // [article:permits]
  auto start_waiting_tasks = [&] {
    while (free_permits > 0 && next_task < tasks.size()) {
      --free_permits;
      Task& task = tasks[next_task++];
      for (const auto& url : task.urls) {
        CURL* handle = curl_easy_init();
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_body);
        curl_multi_add_handle(multi, handle);
        task_of[handle] = &task;
        ++task.unfinished;
        ++in_flight;
      }
      peak_in_flight = std::max(peak_in_flight, in_flight);
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
      if (--task->unfinished == 0) ++free_permits;  // the task ends with its last transfer
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
