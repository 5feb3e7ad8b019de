// Parsing of the whole numbers ("10"), human-friendly durations ("500ms", "1.5s") and sizes
// ("20M") the CLI accepts.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace sluice::detail {

// Plain decimal digits from `min` to `max`: no sign, space or "0x", so that a typo is refused
// rather than read as something else ("" as 0, "-1" wrapped around, "010" as octal).
std::expected<std::uint64_t, std::string> parse_whole_number(std::string_view text,
                                                             std::uint64_t min, std::uint64_t max);

// The longest duration accepted: anything longer is a typo, and a wait until now + d (in
// nanoseconds) overflows past 292 years, ending at once instead of never.
constexpr std::chrono::days kMaxDuration{365};

// "500ms", "10s", "2m", "1h", "1.5s", "0"; a bare number means seconds; at most kMaxDuration.
// The value must be a whole number of milliseconds, so "0.5ms" cannot silently become 0 (which
// means "no limit").
std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// Bytes: "100", "500k", "20M", "1.5G"; k, m, g are powers of 1024 in either case and may be
// followed by "B" or "iB" ("20MB", "20MiB"). A fractional result is rounded down to whole bytes.
std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

}  // namespace sluice::detail
