// Query parameter lookup and the ?delay= duration.
#include "server/query.hpp"

#include "units.hpp"

namespace sluice::detail {

SplitTarget split_target(std::string_view target) noexcept {
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) {
    return {target, {}};
  }
  return {target.substr(0, mark), target.substr(mark + 1)};
}

std::optional<std::string_view> query_value(std::string_view query,
                                            std::string_view name) noexcept {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

std::expected<std::chrono::milliseconds, std::string> parse_delay(std::string_view text) {
  auto parsed = parse_duration(text);
  if (parsed && *parsed > kMaxDelay) {
    return std::unexpected("delay '" + std::string(text) + "' is longer than 1 hour");
  }
  return parsed;
}

}  // namespace sluice::detail
