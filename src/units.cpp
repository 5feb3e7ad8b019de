// Whole numbers, durations and sizes from text, in exact integer arithmetic so "1.1s" is
// exactly 1100 ms.
#include "units.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>

namespace sluice::detail {
namespace {

// "<digits>[.<digits>]" followed by a unit suffix; the fraction has its trailing zeros dropped.
struct Number {
  std::string_view whole;
  std::string_view fraction;
  std::string_view suffix;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<Number> split_number(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && is_digit(text[end])) ++end;
  if (end == 0) return std::nullopt;
  Number number{.whole = text.substr(0, end), .fraction = {}, .suffix = {}};
  if (end < text.size() && text[end] == '.') {
    const std::size_t start = end + 1;
    end = start;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end == start) return std::nullopt;
    number.fraction = text.substr(start, end - start);
    while (!number.fraction.empty() && number.fraction.back() == '0') {
      number.fraction.remove_suffix(1);
    }
  }
  number.suffix = text.substr(end);
  return number;
}

struct Scaled {
  std::uint64_t value = 0;  // rounded down
  bool exact = true;
};

// number * unit without floating point; nullopt when the result exceeds uint64.
std::optional<Scaled> scale(const Number& number, std::uint64_t unit) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t whole = 0;
  const auto parsed =
      std::from_chars(number.whole.data(), number.whole.data() + number.whole.size(), whole);
  if (parsed.ec != std::errc{} || whole > kMax / unit) return std::nullopt;

  // floor(0.d1d2...dn * unit), digit by digit from the last one, which keeps every
  // intermediate below 10 * unit: floor((a + floor(x)) / 10) == floor((a + x) / 10).
  Scaled scaled;
  std::uint64_t part = 0;
  for (auto digit = number.fraction.rbegin(); digit != number.fraction.rend(); ++digit) {
    const std::uint64_t numerator = part + static_cast<std::uint64_t>(*digit - '0') * unit;
    if (numerator % 10 != 0) scaled.exact = false;
    part = numerator / 10;
  }
  if (whole * unit > kMax - part) return std::nullopt;
  scaled.value = whole * unit + part;
  return scaled;
}

std::string invalid(std::string_view what, std::string_view text, std::string_view reason) {
  std::string message = "invalid ";
  message.append(what).append(" '").append(text).append("' (").append(reason).append(")");
  return message;
}

std::optional<std::uint64_t> duration_unit_ms(std::string_view suffix) {
  if (suffix.empty() || suffix == "s") return 1000;
  if (suffix == "ms") return 1;
  if (suffix == "m") return 60'000;
  if (suffix == "h") return 3'600'000;
  return std::nullopt;
}

std::optional<std::uint64_t> size_unit_bytes(std::string_view suffix) {
  if (suffix.empty() || suffix == "B") return 1;
  constexpr std::string_view kLower = "kmg";
  constexpr std::string_view kUpper = "KMG";
  std::size_t power = kLower.find(suffix.front());
  if (power == std::string_view::npos) power = kUpper.find(suffix.front());
  if (power == std::string_view::npos) return std::nullopt;
  suffix.remove_prefix(1);
  if (!suffix.empty() && suffix != "B" && suffix != "iB") return std::nullopt;
  return std::uint64_t{1} << (10 * (power + 1));
}

}  // namespace

std::expected<std::uint64_t, std::string> parse_whole_number(std::string_view text,
                                                             std::uint64_t min, std::uint64_t max) {
  constexpr std::string_view kWhat = "whole number";
  // A negative number is a number, only out of range.
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || !std::ranges::all_of(digits, is_digit)) {
    return std::unexpected(invalid(kWhat, text, "digits only, e.g. 10"));
  }
  std::uint64_t value = 0;
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.size() != text.size() || parsed.ec != std::errc{} || value < min || value > max) {
    return std::unexpected(invalid(
        kWhat, text, "out of range: " + std::to_string(min) + " to " + std::to_string(max)));
  }
  return value;
}

std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  constexpr std::string_view kWhat = "duration";
  if (text.starts_with('-')) return std::unexpected(invalid(kWhat, text, "must not be negative"));
  const auto number = split_number(text);
  const auto unit = number ? duration_unit_ms(number->suffix) : std::nullopt;
  if (!unit)
    return std::unexpected(invalid(kWhat, text, "units: ms, s, m, h, e.g. 500ms, 10s, 2m"));
  const auto ms = scale(*number, *unit);
  constexpr auto kMaxMs =
      static_cast<std::uint64_t>(std::chrono::milliseconds{kMaxDuration}.count());
  if (!ms || ms->value > kMaxMs) {
    return std::unexpected(invalid(
        kWhat, text, "too large: at most " + std::to_string(kMaxDuration.count()) + " days"));
  }
  if (!ms->exact) {
    return std::unexpected(invalid(kWhat, text, "not a whole number of milliseconds"));
  }
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(ms->value)};
}

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  constexpr std::string_view kWhat = "size";
  if (text.starts_with('-')) return std::unexpected(invalid(kWhat, text, "must not be negative"));
  const auto number = split_number(text);
  const auto unit = number ? size_unit_bytes(number->suffix) : std::nullopt;
  if (!unit) return std::unexpected(invalid(kWhat, text, "examples: 100, 500k, 20M, 1G"));
  const auto bytes = scale(*number, *unit);
  if (!bytes) return std::unexpected(invalid(kWhat, text, "too large"));
  return bytes->value;
}

}  // namespace sluice::detail
