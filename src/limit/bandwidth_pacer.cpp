// Bandwidth pacing: burst and receive buffer sizes, and the reserve-then-pause protocol of
// a transfer's write callback.
#include "limit/bandwidth_pacer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace sluice::detail {
namespace {

constexpr double kKiB = 1024;
constexpr double kMinBurstBytes = 16 * kKiB;  // CURL_MAX_WRITE_SIZE
constexpr double kBurstSeconds = 0.020;
constexpr double kBufferedSeconds = 0.050;
constexpr double kMinReceiveBuffer = 8 * kKiB;
constexpr double kReceiveBufferStep = 4 * kKiB;  // a page
constexpr double kDefaultRmemMax = 212992;       // Linux's net.core.rmem_max default

}  // namespace

double default_burst(double bytes_per_second) {
  return std::max(kMinBurstBytes, bytes_per_second * kBurstSeconds);
}

std::optional<int> receive_buffer_bytes(double bytes_per_second, std::size_t transfers) {
  const double share = bytes_per_second * kBufferedSeconds /
                       static_cast<double>(std::max<std::size_t>(transfers, 1));
  const double bytes =
      std::ceil(std::max(kMinReceiveBuffer, share) / kReceiveBufferStep) * kReceiveBufferStep;
  if (std::isnan(bytes)) return std::nullopt;
  return static_cast<int>(std::min(bytes, kDefaultRmemMax));
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
