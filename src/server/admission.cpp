// The queue model behind ServerConfig::capacity.
#include "server/admission.hpp"

namespace sluice::detail {

Admission admit(std::uint64_t in_flight, std::uint64_t capacity,
                std::chrono::milliseconds service_time) noexcept {
  if (capacity == 0 || in_flight <= capacity) {
    return {};
  }
  if (in_flight > kOverloadFactor * capacity) {
    return {.overloaded = true};
  }
  // K workers that each take S per request clear the n - K requests queued ahead of this one
  // in S * (n - K) / K: the wait grows linearly with the excess, and throughput stays at K / S
  // however many wait, as in a real server past its capacity. Microseconds keep the small
  // steps of a large K.
  const auto excess = static_cast<std::chrono::microseconds::rep>(in_flight - capacity);
  const auto workers = static_cast<std::chrono::microseconds::rep>(capacity);
  const std::chrono::microseconds service = service_time;
  return {.queueing = service * excess / workers};
}

}  // namespace sluice::detail
