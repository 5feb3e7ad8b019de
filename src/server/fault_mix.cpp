// Parsing `--faults` and picking a fault by cumulative shares.
#include "server/fault_mix.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "server/query.hpp"

namespace sluice {
namespace {

// Shares such as 0.1 + 0.2 + 0.7 add up to a hair above 1 in binary floating point.
constexpr double kSumSlack = 1e-9;

// "0.2", not std::to_string's "0.200000".
std::string shortest(double value) {
  std::array<char, 32> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
  return {text.data(), end};
}

std::expected<FaultShare, std::string> parse_item(std::string_view item) {
  const auto quoted = "'" + std::string(item) + "'";
  const auto eq = item.find('=');
  if (eq == std::string_view::npos) {
    return std::unexpected(quoted + " is not NAME=SHARE");
  }
  const auto fault = detail::fault_from_name(item.substr(0, eq));
  if (!fault) {
    return std::unexpected(quoted + " names no fault; the faults are " + detail::fault_names());
  }
  const auto share = detail::parse_share(item.substr(eq + 1));
  if (!share) {
    return std::unexpected(quoted + ": the share must be a number from 0 to 1");
  }
  return FaultShare{.fault = *fault, .share = *share};
}

}  // namespace

std::expected<FaultMix, std::string> parse_fault_mix(std::string_view text) {
  FaultMix mix;
  if (text.empty()) {
    return mix;
  }
  // Split by hand rather than skip empty items: "503=0.5," must fail on its empty last item.
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    auto share =
        parse_item(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!share) {
      return std::unexpected(share.error());
    }
    mix.push_back(*share);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  if (auto error = fault_mix_error(mix)) {
    return std::unexpected(std::move(*error));
  }
  return mix;
}

std::optional<std::string> fault_mix_error(const FaultMix& mix) {
  double sum = 0;
  for (auto share = mix.begin(); share != mix.end(); ++share) {
    if (share->fault == Fault::None) {
      return "Fault::None has no share: the requests no fault hits are what is left below 1";
    }
    const auto name = std::string(detail::fault_name(share->fault));
    // Written so that NaN, which fails every comparison, fails this too.
    if (!(share->share >= 0 && share->share <= 1)) {
      return "the share of " + name + " is not from 0 to 1";
    }
    if (std::any_of(mix.begin(), share,
                    [&](const FaultShare& seen) { return seen.fault == share->fault; })) {
      return name + " is given twice";
    }
    sum += share->share;
    if (sum > 1 + kSumSlack) {
      return "with " + name + "=" + shortest(share->share) + " the shares sum to " + shortest(sum) +
             ", more than 1";
    }
  }
  return std::nullopt;
}

namespace detail {

Fault pick_fault(const FaultMix& mix, double draw) noexcept {
  double end = 0;
  for (const auto& [fault, share] : mix) {
    end += share;
    if (draw < end) {
      return fault;
    }
  }
  return Fault::None;
}

}  // namespace detail
}  // namespace sluice
