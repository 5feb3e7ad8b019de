// Faults as a share of all requests (`sluice serve --faults reset-mid=0.01,503=0.005`): parsing
// the mix and picking one request's fault from a uniform draw.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/fault.hpp"

namespace sluice {

struct FaultShare {
  Fault fault = Fault::None;
  double share = 0;  // the part of all requests, from 0 to 1
};

// Each fault at most once; the shares sum to at most 1, and the rest of the requests are
// answered normally.
using FaultMix = std::vector<FaultShare>;

// Parses "NAME=SHARE[,NAME=SHARE...]", e.g. "reset-mid=0.01,503=0.005"; empty text is an empty
// mix. The error quotes the bad item, or names the fault given twice, or gives the sum above 1.
std::expected<FaultMix, std::string> parse_fault_mix(std::string_view text);

// Why `mix` breaks the rules of FaultMix, or nothing when it keeps them.
std::optional<std::string> fault_mix_error(const FaultMix& mix);

namespace detail {

// The fault for a uniform `draw` in [0, 1): the shares lie end to end from 0 in the mix's
// order, and a draw past their sum means no fault.
Fault pick_fault(const FaultMix& mix, double draw) noexcept;

}  // namespace detail
}  // namespace sluice
