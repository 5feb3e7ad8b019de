// --stats-log: one JSON line of the run's gauges every 100 ms, for plotting a run over time.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::detail {

// One line of the log. Counts are totals since the run started; the latencies are those of
// the records that ended within the line's interval (none: null).
struct StatsLine {
  std::uint64_t t_ms = 0;  // since the run started
  std::uint64_t in_flight = 0;
  std::uint64_t limit = 0;  // the live cap: -c, or -c auto's current limit
  std::uint64_t records = 0;
  std::uint64_t ok = 0;
  std::uint64_t bytes = 0;
  std::optional<double> p50_ms{};
  std::optional<double> p99_ms{};
  // --max-bandwidth auto: the link's rate learned so far, bytes per second; none without it
  // or before the first is learned (the key is then left out).
  std::optional<std::uint64_t> link_rate{};
};

// {"t_ms":1200,"in_flight":10,"limit":10,"records":230,"ok":230,"bytes":19090,
//  "p50_ms":50.3,"p99_ms":52.1} and a '\n', on one line; under --max-bandwidth auto also
//  "link_rate":2450000 once a rate is learned.
std::string format_stats_line(const StatsLine& line);

// Owns the log's file descriptor. Not thread-safe: one thread appends. Each line is one
// write(2) of a whole line (O_APPEND), so a reader following the file never sees half a line.
class StatsLog {
 public:
  // Creates or truncates `path`; the error names it.
  static std::expected<StatsLog, std::string> open(const std::filesystem::path& path);
  StatsLog(StatsLog&& other) noexcept;
  StatsLog& operator=(StatsLog&&) = delete;
  StatsLog(const StatsLog&) = delete;
  StatsLog& operator=(const StatsLog&) = delete;
  ~StatsLog();

  std::expected<void, std::string> append(const StatsLine& line);

 private:
  explicit StatsLog(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sluice::detail
