// Parsing of the --rate text: request starts per second, minute or hour.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace sluice::detail {

// "100/s", "30/m", "5000/h", "2.5/s"; a bare number means per second. Returns tokens per
// second for a TokenBucket (so "30/m" is 0.5). The rate must be positive: leaving --rate
// out, not 0, means "no limit". No signs, exponents, spaces or other units.
std::expected<double, std::string> parse_rate(std::string_view text);

}  // namespace sluice::detail
