// What a perfect scheduler could have done with the same latencies: the yardstick for the
// efficiency figure in the run summary.
#pragma once

#include <cstddef>
#include <span>

namespace sluice::detail {

// Makespan of a zero-overhead scheduler that starts the jobs in input order on `slots`
// parallel slots, each the instant a slot frees. O(n log min(n, slots)) time, O(min(n, slots))
// memory. Empty input gives 0; `slots` of 0 counts as 1. Thread-safe: a pure function.
double ideal_makespan_ms(std::span<const double> latencies_ms, std::size_t slots);

// No order can beat max(sum / slots, longest job). Empty input gives 0; `slots` of 0 counts
// as 1. Thread-safe: a pure function.
double absolute_bound_ms(std::span<const double> latencies_ms, std::size_t slots);

}  // namespace sluice::detail
