// One list file of a watch run: reading it, and writing its results and summary.
#include "watch/watch_job.hpp"

#include <unistd.h>

#include <filesystem>

#include "limit/host_key.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

// Enough that the reader thread refills its buffer in batches, small beside the queue the
// engine drains: the scheduler moves one item per job per turn out of it.
constexpr std::size_t kBufferCapacity = 64;

}  // namespace

WatchJob::WatchJob(std::string key, SourceReader reader, std::size_t list_path_length,
                   std::optional<ResumeIndex> resume, int results_fd, std::size_t concurrency,
                   std::size_t event_loops)
    : key_(std::move(key)),
      reader_(std::move(reader)),
      list_path_length_(list_path_length),
      resume_(std::move(resume)),
      buffer_(kBufferCapacity),
      results_fd_(results_fd),
      writer_(results_fd),
      concurrency_(concurrency),
      event_loops_(event_loops) {}

std::expected<std::unique_ptr<WatchJob>, JobOpenError> WatchJob::open(const JobFolders& folders,
                                                                      const std::string& key,
                                                                      const Options& options,
                                                                      std::size_t event_loops) {
  const auto list = folders.list_file(key);
  // A FIFO would block open(2) forever, and a directory is no list either.
  std::error_code error;
  if (!std::filesystem::is_regular_file(list, error)) {
    return std::unexpected(
        JobOpenError{.reason = "cannot read list file '" + key + "': not a regular file"});
  }
  std::optional<SourceReader> reader;
  try {
    reader.emplace(std::vector<std::string>{"@" + list.string()}, source_limits(options));
  } catch (const UsageError& failure) {
    return std::unexpected(JobOpenError{.reason = failure.what()});
  }
  const auto partial = folders.partial_results(key);
  std::optional<ResumeIndex> resume;
  if (std::filesystem::exists(partial, error)) {
    // Drops the records that are not final from the file, as those URLs are fetched again.
    auto index = ResumeIndex::load(partial, false);
    if (!index) return std::unexpected(JobOpenError{.reason = index.error(), .in_outbox = true});
    resume = std::move(*index);
  }
  const auto fd = open_results_file(partial, true, resume && resume->ends_mid_line());
  if (!fd) return std::unexpected(JobOpenError{.reason = fd.error(), .in_outbox = true});
  return std::unique_ptr<WatchJob>(new WatchJob(key, std::move(*reader), list.string().size(),
                                                std::move(resume), *fd, options.concurrency,
                                                event_loops));
}

WatchJob::~WatchJob() {
  stop_reading();
  writer_.flush();
  ::close(results_fd_);
}

void WatchJob::start_reading(std::function<void()> wake) {
  buffer_.set_wakeup(std::move(wake));
  reader_thread_ = std::jthread([this] {
    reader_.read_all(
        [&](InputItem&& item) {
          if (skips_.skip(resume_, item.url, joining_id(item))) return true;
          // As `sluice @KEY` run in the list's folder would name it.
          item.source = key_ + item.source.substr(list_path_length_);
          if (!item.error) item.host = host_key_of_checked_url(item.fetch_url);
          return buffer_.push(std::move(item));
        },
        reader_cancel_.fd());
    buffer_.close();
  });
}

void WatchJob::stop_reading() {
  buffer_.cancel();
  reader_cancel_.signal();
  if (reader_thread_.joinable()) reader_thread_.join();
}

void WatchJob::record(const Record& record) {
  summary_.add(record);
  writer_.write(record);
}

std::string WatchJob::write_failure() const {
  return "cannot write results to OUTBOX: " + writer_.error();
}

std::expected<std::string, std::string> WatchJob::finish() {
  writer_.flush();
  if (write_failed()) return std::unexpected(write_failure());
  const std::chrono::duration<double, std::milli> wall =
      std::chrono::steady_clock::now() - started_;
  Summary summary = summary_.finish(wall.count(), concurrency_);
  // Final by now: the scheduler finishes a job once its buffer is drained.
  summary.skipped = skips_.skipped();
  summary.skipped_failures = skips_.failures();
  summary.event_loops = event_loops_;
  return summary_json(summary);
}

}  // namespace sluice::detail
