// --rate text to requests per second, with messages in the style of parse_duration.
#include "limit/parse_rate.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <system_error>

namespace sluice::detail {
namespace {

std::string invalid(std::string_view text, std::string_view reason) {
  std::string message = "invalid rate '";
  message.append(text).append("' (").append(reason).append(")");
  return message;
}

std::optional<double> seconds_per_unit(std::string_view unit) {
  if (unit == "s") return 1.0;
  if (unit == "m") return 60.0;
  if (unit == "h") return 3600.0;
  return std::nullopt;
}

// "<digits>[.<digits>]" and nothing else: from_chars alone would also take "1e3", "inf"
// and "nan", which a rate option should not.
bool is_plain_decimal(std::string_view text) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.' || i + 1 == text.size()) return false;
  for (++i; i < text.size(); ++i) {
    if (!is_digit(text[i])) return false;
  }
  return true;
}

}  // namespace

std::expected<double, std::string> parse_rate(std::string_view text) {
  if (text.starts_with('-')) return std::unexpected(invalid(text, "must not be negative"));
  const std::size_t slash = text.find('/');
  const std::string_view number = text.substr(0, slash);
  const auto unit_seconds =
      slash == std::string_view::npos ? 1.0 : seconds_per_unit(text.substr(slash + 1));
  if (!unit_seconds || !is_plain_decimal(number)) {
    return std::unexpected(invalid(text, "examples: 100/s, 30/m, 5000/h"));
  }
  double count = 0;
  const auto parsed = std::from_chars(number.data(), number.data() + number.size(), count);
  if (parsed.ec != std::errc{} || !std::isfinite(count / *unit_seconds)) {
    return std::unexpected(invalid(text, "out of range"));
  }
  if (count == 0) return std::unexpected(invalid(text, "must be positive"));
  return count / *unit_seconds;
}

}  // namespace sluice::detail
