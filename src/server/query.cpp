// Query parameter lookup and the parsing of its values.
#include "server/query.hpp"

#include <charconv>
#include <system_error>

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

namespace {

// The value from_chars reads when it reads all of `text`.
template <class Number>
std::optional<Number> parse_whole(std::string_view text) noexcept {
  Number value{};
  const auto* const end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || stop != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_count(std::string_view text) noexcept {
  return parse_whole<std::uint64_t>(text);
}

std::optional<double> parse_share(std::string_view text) noexcept {
  const auto value = parse_whole<double>(text);
  // Written so that NaN, which fails every comparison, fails it too.
  if (!value || !(*value >= 0 && *value <= 1)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace sluice::detail
