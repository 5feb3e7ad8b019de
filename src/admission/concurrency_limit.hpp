// How many requests may be in flight now: -c, -c auto, and the seam where the link
// controller plugs in as a third kind.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "limit/adaptive_limit.hpp"
#include "limit/time_source.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Admission starts a request only while fewer than limit() are in flight, and hands every
// finished request to on_sample(). Thread-safety: implementations are safe to call from
// any thread; Admission calls them outside its own lock. Lifetime: owned by Admission.
class ConcurrencyLimit {
 public:
  virtual ~ConcurrencyLimit() = default;

  // Requests that may be in flight now, at least 1.
  virtual std::size_t limit() const = 0;
  // Whether limit() moves; a fixed one is not shown as a live gauge.
  virtual bool varies() const noexcept = 0;
  // One finished request, as AdaptiveLimit::on_sample takes it.
  virtual void on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start, bool dropped,
                         TimeSource::time_point now) = 0;
};

// -c: `limit` always; samples change nothing.
std::unique_ptr<ConcurrencyLimit> fixed_concurrency(std::size_t limit);
// -c auto: an AdaptiveLimit fed by the samples.
std::unique_ptr<ConcurrencyLimit> adaptive_concurrency(AdaptiveLimitSettings settings);
// The one `options` asks for (options.concurrency is already -c auto's maximum then).
std::unique_ptr<ConcurrencyLimit> make_concurrency_limit(const Options& options);

}  // namespace sluice::detail
