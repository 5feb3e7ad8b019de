// The live status line of watch mode.
#include "watch/status_line.hpp"

#include <array>
#include <cstdio>

namespace sluice::detail {

std::string format_watch_status(const WatchSnapshot& s, OptionNamer name) {
  std::array<char, 32> rate{};
  std::snprintf(rate.data(), rate.size(), "%.1f", s.rate_per_s);
  const std::string held = format_held_back(s.held_back, name);
  const std::string paused = s.paused > 0 ? std::to_string(s.paused) + " paused · " : "";
  return "jobs: " + std::to_string(s.queued) + " queued · " + std::to_string(s.running) +
         " running · " + paused + std::to_string(s.done) + " done · " + std::to_string(s.failed) +
         " failed · " + std::to_string(s.in_flight) + " in flight · " + rate.data() + " req/s" +
         (held.empty() ? "" : " · " + held);
}

}  // namespace sluice::detail
