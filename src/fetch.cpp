// fetch(): the one-way pipeline of a run — a reader thread streams the sources into a
// bounded queue, the engine drains it, and records leave through the caller's sink.
#include <curl/curl.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "engines/engine.hpp"
#include "fd_limit.hpp"
#include "input/input_queue.hpp"
#include "input/source_reader.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"

namespace sluice {
namespace {

// The largest -c that makes sense: each slot needs a socket, and a process rarely may
// open more than a million files.
constexpr std::size_t kMaxConcurrency = 1'000'000;

void global_curl_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

void check_options(const Options& options) {
  if (options.concurrency == 0 || options.concurrency > kMaxConcurrency) {
    throw UsageError("--concurrency must be between 1 and " + std::to_string(kMaxConcurrency) +
                     ", not " + std::to_string(options.concurrency));
  }
  if (options.max_redirects < 0) throw UsageError("--max-redirects must not be negative");
  if (options.output_dir) {
    std::error_code error;
    std::filesystem::create_directories(*options.output_dir, error);
    if (error || !std::filesystem::is_directory(*options.output_dir)) {
      throw UsageError("cannot use output directory '" + options.output_dir->string() +
                       "': " + (error ? error.message() : "not a directory"));
    }
  }
}

// Counts records as they pass, so the report says how many reached the caller.
class CountingSink final : public RecordSink {
 public:
  explicit CountingSink(RecordSink& next) : next_(next) {}
  void on_record(Record&& record) override {
    count_.fetch_add(1, std::memory_order_relaxed);
    next_.on_record(std::move(record));
  }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  RecordSink& next_;
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace

FetchReport fetch(const Options& options, std::vector<std::string> sources, RecordSink& sink,
                  std::stop_token stop, LiveCounters* live) {
  check_options(options);
  SourceReader reader(std::move(sources),
                      SourceLimits{.max_expansion = options.max_expansion, .max_line_bytes = 65536});
  raise_open_file_limit();
  global_curl_init();

  LiveCounters own_counters;
  LiveCounters& counters = live != nullptr ? *live : own_counters;
  // Twice the concurrency keeps every slot fed while the reader refills the other half.
  InputQueue queue(2 * options.concurrency + 1024);
  auto engine = make_engine(options);
  CountingSink counting(sink);

  const auto started = std::chrono::steady_clock::now();
  std::jthread reader_thread([&] {
    reader.read_all([&](InputItem&& item) {
      if (!queue.push(std::move(item))) return false;
      counters.urls_read.fetch_add(1, std::memory_order_relaxed);
      return true;
    });
    counters.input_complete.store(true, std::memory_order_relaxed);
    queue.close();
  });
  engine->run(queue, counting, counters, stop);
  queue.cancel();  // unblocks the reader if the run ended before the input did
  reader_thread.join();
  const auto wall = std::chrono::steady_clock::now() - started;

  return FetchReport{
      .urls = counting.count(),
      .wall_ms = std::chrono::duration<double, std::milli>(wall).count(),
      .stopped = stop.stop_requested(),
  };
}

}  // namespace sluice
