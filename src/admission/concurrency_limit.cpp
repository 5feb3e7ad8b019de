// The fixed -c and the adaptive -c auto behind one interface.
#include "admission/concurrency_limit.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

class FixedConcurrency final : public ConcurrencyLimit {
 public:
  explicit FixedConcurrency(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}
  std::size_t limit() const override { return limit_; }
  bool varies() const noexcept override { return false; }
  void on_sample(std::chrono::nanoseconds, std::size_t, bool, TimeSource::time_point) override {}

 private:
  const std::size_t limit_;
};

class AdaptiveConcurrency final : public ConcurrencyLimit {
 public:
  explicit AdaptiveConcurrency(AdaptiveLimitSettings settings) : adaptive_(settings) {}
  std::size_t limit() const override { return adaptive_.limit(); }
  bool varies() const noexcept override { return true; }
  void on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start, bool dropped,
                 TimeSource::time_point now) override {
    adaptive_.on_sample(rtt, in_flight_at_start, dropped, now);
  }

 private:
  AdaptiveLimit adaptive_;
};

}  // namespace

std::unique_ptr<ConcurrencyLimit> fixed_concurrency(std::size_t limit) {
  return std::make_unique<FixedConcurrency>(limit);
}

std::unique_ptr<ConcurrencyLimit> adaptive_concurrency(AdaptiveLimitSettings settings) {
  return std::make_unique<AdaptiveConcurrency>(settings);
}

std::unique_ptr<ConcurrencyLimit> make_concurrency_limit(const Options& options) {
  if (!options.adaptive_concurrency) return fixed_concurrency(options.concurrency);
  return adaptive_concurrency(AdaptiveLimitSettings{
      .initial = std::min<std::size_t>(10, options.concurrency), .max = options.concurrency});
}

}  // namespace sluice::detail
