// Reading a request target's query: finding a parameter and parsing its value as a duration,
// a count or a share.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

struct SplitTarget {
  std::string_view path;
  std::string_view query;  // without the '?'; empty when there is none
};

SplitTarget split_target(std::string_view target) noexcept;

// The value of the first `name=value` pair of `query`, as written (not percent-decoded).
// A bare `name` yields an empty value.
std::optional<std::string_view> query_value(std::string_view query, std::string_view name) noexcept;

// The longest delay a request may ask for; longer ones are rejected as bad input.
inline constexpr std::chrono::milliseconds kMaxDelay = std::chrono::hours{1};

// Parses a duration as the command line does (parse_duration: "500ms", "1.5s", "2m"),
// capped at kMaxDelay.
std::expected<std::chrono::milliseconds, std::string> parse_delay(std::string_view text);

// Decimal digits only ("0", "42"): no sign, no spaces.
std::optional<std::uint64_t> parse_count(std::string_view text) noexcept;

// A number from 0 to 1 ("0", "0.25", "1", "5e-3"); no sign, no spaces, no NaN.
std::optional<double> parse_share(std::string_view text) noexcept;

}  // namespace sluice::detail
