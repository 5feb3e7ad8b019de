// fetch(): the one-way pipeline of a run — a reader thread streams the sources into a
// bounded queue, the engine drains it, and records leave through the caller's sink.
#include <curl/curl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "engines/engine.hpp"
#include "fd_limit.hpp"
#include "grace_timer.hpp"
#include "input/input_queue.hpp"
#include "input/resume_index.hpp"
#include "input/source_reader.hpp"
#include "limit/host_key.hpp"
#include "limit/host_limiter.hpp"
#include "scope_exit.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"

namespace sluice {

using namespace detail;

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
  const bool textbook =
      options.engine == EngineKind::StaticSlices || options.engine == EngineKind::SlicePermits;
  if (textbook && (options.max_bandwidth > 0 || options.rate > 0 || options.per_host > 0)) {
    throw UsageError(
        "--max-bandwidth, --rate and --per-host apply to --engine loop and threads only; the "
        "textbook engines are kept as the textbook has them");
  }
}

// Refuses, in one clear line, a concurrency the open-file limit cannot serve: otherwise
// the slots beyond it fail one by one as "connect" errors that do not say why.
void check_file_budget(const Options& options) {
  raise_open_file_limit();
  // The thread engine's easy handles each run a private multi handle, and libcurl 7.88
  // gives every multi handle a wake-up socket pair: three descriptors per worker.
  const bool easy_per_slot =
      options.engine == EngineKind::Threads || options.engine == EngineKind::StaticSlices;
  const std::uint64_t per_slot = easy_per_slot ? 3 : 1;
  constexpr std::uint64_t kReserve = 64;  // stdio, list files, epoll, results, bodies
  const std::uint64_t needed = per_slot * options.concurrency + kReserve;
  const std::uint64_t limit = open_file_limit();
  if (needed > limit) {
    throw UsageError("-c " + std::to_string(options.concurrency) + " needs about " +
                     std::to_string(needed) + " open files, but this process may open only " +
                     std::to_string(limit) + " (ulimit -n); lower -c or raise the limit");
  }
}

void create_output_dir(const Options& options) {
  if (options.output_dir) {
    std::error_code error;
    std::filesystem::create_directories(*options.output_dir, error);
    if (error || !std::filesystem::is_directory(*options.output_dir)) {
      throw UsageError("cannot use output directory '" + options.output_dir->string() +
                       "': " + (error ? error.message() : "not a directory"));
    }
  }
}

// An eventfd that tells the reader thread to stop waiting for input.
class ReaderCancel {
 public:
  ReaderCancel() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ReaderCancel(const ReaderCancel&) = delete;
  ReaderCancel& operator=(const ReaderCancel&) = delete;
  ~ReaderCancel() { ::close(fd_); }
  int fd() const { return fd_; }
  void signal() const noexcept {
    const std::uint64_t one = 1;
    // Only a full counter can fail, and that already reads as "cancelled".
    [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
  }

 private:
  int fd_;
};

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

std::optional<ResumeIndex> load_resume_index(const Options& options) {
  if (!options.resume_from) return std::nullopt;
  auto index = ResumeIndex::load(*options.resume_from, options.retry_failed);
  if (!index) throw UsageError("--resume: " + index.error());
  return std::move(*index);
}

}  // namespace

struct Fetcher::State {
  Options options;
  SourceReader reader;
  std::optional<ResumeIndex> resume;  // used by the reader thread only, during run()
};

Fetcher::Fetcher(Options options, std::vector<std::string> sources) {
  // Slots, descriptors and the queue are sized for the most -c auto may reach.
  if (options.adaptive_concurrency) options.concurrency = options.max_concurrency;
  check_options(options);
  check_file_budget(options);
  SourceReader reader(std::move(sources), SourceLimits{.max_expansion = options.max_expansion,
                                                       .max_line_bytes = 65536});
  auto resume = load_resume_index(options);
  create_output_dir(options);
  state_ = std::make_unique<State>(State{std::move(options), std::move(reader), std::move(resume)});
}

std::optional<ResumeReport> Fetcher::resume_report() const {
  const auto& index = state_->resume;
  if (!index) return std::nullopt;
  return ResumeReport{.final_records = index->final_records(),
                      .bad_lines = index->skipped_lines(),
                      .first_bad_line = index->first_bad_line(),
                      .ends_mid_line = index->ends_mid_line()};
}

Fetcher::~Fetcher() = default;

FetchReport Fetcher::run(RecordSink& sink, RunControl control, LiveCounters* live) {
  global_curl_init();
  const Options& options = state_->options;

  LiveCounters own_counters;
  LiveCounters& counters = live != nullptr ? *live : own_counters;
  // Hosts are tracked on every run of the loop and thread engines, so that a server's
  // Retry-After and RateLimit headers slow its own host; --per-host adds a cap (0: none).
  // The textbook engines are kept as the textbook has them.
  std::optional<HostLimiter> hosts;
  if (options.engine == EngineKind::EventLoop || options.engine == EngineKind::Threads) {
    hosts.emplace(options.per_host);
  }
  // Twice the concurrency keeps every slot fed while the reader refills the other half.
  InputQueue queue(2 * options.concurrency + 1024, hosts ? &*hosts : nullptr);
  auto engine = make_engine(options);
  CountingSink counting(sink);

  const ReaderCancel reader_cancel;

  std::uint64_t skipped = 0;  // written by the reader thread, read after it was joined
  auto& resume = state_->resume;

  const auto started = std::chrono::steady_clock::now();
  std::jthread reader_thread([&] {
    state_->reader.read_all(
        [&](InputItem&& item) {
          if (resume && resume->consume(item.url)) {
            ++skipped;
            return true;
          }
          if (hosts && !item.error) item.host = host_key(item.fetch_url).value_or("");
          if (!queue.push(std::move(item))) return false;
          counters.urls_read.fetch_add(1, std::memory_order_relaxed);
          return true;
        },
        reader_cancel.fd());
    counters.input_complete.store(true, std::memory_order_relaxed);
    queue.close();
  });
  // Whether the engine returns or throws, the reader must be released from a full queue
  // or a waiting read before the thread is joined.
  const ScopeExit release_reader([&] {
    queue.cancel();
    reader_cancel.signal();
  });

  // A stop ends admission at once by cancelling the queue, and becomes an abort of the
  // transfers in flight after the grace period (or at once, on an abort request).
  std::stop_source abort_transfers;
  const std::stop_callback on_stop(control.stop, [&] { queue.cancel(); });
  const std::stop_callback on_abort(control.abort, [&] {
    queue.cancel();
    abort_transfers.request_stop();
  });
  {
    const GraceTimer grace(control.stop, options.grace, abort_transfers);
    engine->run(queue, counting, counters, abort_transfers.get_token());
  }
  // The URLs a stop left queued or waiting for a retry are cancelled, not lost.
  cancel_queued(queue, counting);
  reader_cancel.signal();
  reader_thread.join();
  const auto wall = std::chrono::steady_clock::now() - started;

  return FetchReport{
      .urls = counting.count(),
      .skipped = skipped,
      .wall_ms = std::chrono::duration<double, std::milli>(wall).count(),
      .stopped = control.stop.stop_requested() || control.abort.stop_requested(),
      .final_limit = counters.limit.load(std::memory_order_relaxed),
  };
}

FetchReport fetch(const Options& options, std::vector<std::string> sources, RecordSink& sink,
                  RunControl control, LiveCounters* live) {
  Fetcher fetcher(options, std::move(sources));
  return fetcher.run(sink, control, live);
}

}  // namespace sluice
