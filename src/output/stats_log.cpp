// --stats-log: one JSON line of the run's gauges every 100 ms, for plotting a run over time.
#include "output/stats_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

namespace sluice::detail {
namespace {

nlohmann::ordered_json milliseconds(const std::optional<double>& ms) {
  if (!ms) return nullptr;
  return std::round(*ms * 1000.0) / 1000.0;  // to the microsecond, as in the summary
}

}  // namespace

std::string format_stats_line(const StatsLine& line) {
  nlohmann::ordered_json object = {
      {"t_ms", line.t_ms},
      {"in_flight", line.in_flight},
      {"limit", line.limit},
      {"records", line.records},
      {"ok", line.ok},
      {"bytes", line.bytes},
      {"p50_ms", milliseconds(line.p50_ms)},
      {"p99_ms", milliseconds(line.p99_ms)},
  };
  if (line.link_rate) object["link_rate"] = *line.link_rate;
  return object.dump() + '\n';
}

std::expected<StatsLog, std::string> StatsLog::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return std::unexpected("cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  return StatsLog(fd);
}

StatsLog::StatsLog(StatsLog&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

StatsLog::~StatsLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> StatsLog::append(const StatsLine& line) {
  const std::string text = format_stats_line(line);
  std::size_t done = 0;
  while (done < text.size()) {
    const auto written = ::write(fd_, text.data() + done, text.size() - done);
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return std::unexpected(std::string("stats log: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(written);
  }
  return {};
}

}  // namespace sluice::detail
