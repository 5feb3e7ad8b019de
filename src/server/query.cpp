// Query parameter lookup and the ?delay= duration syntax.
#include "server/query.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

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
  const auto bad = [text] {
    return std::unexpected("bad delay '" + std::string(text) +
                           "': expected <int>ms or <number>s, at most 1 hour");
  };
  if (text == "0") {
    return std::chrono::milliseconds{0};
  }
  if (text.ends_with("ms")) {
    const auto digits = text.substr(0, text.size() - 2);
    std::uint64_t ms = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        ms > static_cast<std::uint64_t>(kMaxDelay.count())) {
      return bad();
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
  }
  if (text.ends_with('s')) {
    const auto number = text.substr(0, text.size() - 1);
    double seconds = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds,
                                           std::chars_format::fixed);
    // The comparisons also reject NaN, which from_chars accepts as "nan".
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size() ||
        !(seconds >= 0) || !(seconds * 1000 <= static_cast<double>(kMaxDelay.count()))) {
      return bad();
    }
    return std::chrono::milliseconds{std::llround(seconds * 1000)};
  }
  return bad();
}

}  // namespace sluice::detail
