// What a perfect scheduler could have done with the same latencies: the yardstick for the
// efficiency figure in the run summary.
#include "output/ideal_schedule.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <vector>

namespace sluice::detail {

double ideal_makespan_ms(std::span<const double> latencies_ms, std::size_t slots) {
  // More slots than jobs would stay idle; not materialising them keeps c = 10^6 cheap.
  const std::size_t used = std::min(std::max<std::size_t>(slots, 1), latencies_ms.size());
  const auto started_at_zero = latencies_ms.first(used);
  std::vector<double> free_at(started_at_zero.begin(), started_at_zero.end());
  double makespan = free_at.empty() ? 0.0 : *std::ranges::max_element(free_at);
  std::priority_queue<double, std::vector<double>, std::greater<>> earliest_free(
      std::greater<>{}, std::move(free_at));
  for (const double latency : latencies_ms.subspan(used)) {
    const double finish = earliest_free.top() + latency;
    earliest_free.pop();
    earliest_free.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

double absolute_bound_ms(std::span<const double> latencies_ms, std::size_t slots) {
  if (latencies_ms.empty()) return 0.0;
  const double sum = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0);
  const double longest = *std::ranges::max_element(latencies_ms);
  return std::max(sum / static_cast<double>(std::max<std::size_t>(slots, 1)), longest);
}

}  // namespace sluice::detail
