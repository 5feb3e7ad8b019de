// Bandwidth pacing: the burst size, and the reserve-then-pause protocol of
// a transfer's write callback.
#include "limit/bandwidth_pacer.hpp"

#include <algorithm>
#include <chrono>

namespace sluice::detail {
namespace {

constexpr double kMinBurstBytes = 16 * 1024;  // CURL_MAX_WRITE_SIZE
constexpr double kBurstSeconds = 0.020;

}  // namespace

double default_burst(double bytes_per_second) {
  return std::max(kMinBurstBytes, bytes_per_second * kBurstSeconds);
}

std::optional<BandwidthPacer::time_point> BandwidthPacer::pause_until(std::size_t bytes,
                                                                      time_point now) {
  if (bytes <= prepaid_) {
    prepaid_ -= bytes;
    return std::nullopt;
  }
  // libcurl may hand more after a pause than before it (HTTP/2 buffers a paused stream's
  // data); only the bytes not yet paid for are reserved.
  const time_point paid = bytes_.reserve(static_cast<double>(bytes - prepaid_), now);
  if (paid <= now) {
    prepaid_ = 0;
    return std::nullopt;
  }
  prepaid_ = bytes;
  return paid;
}

}  // namespace sluice::detail
