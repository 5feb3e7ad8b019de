// Samples the link lab's qdisc from a thread while a test fetches, for what the queue held
// at its fullest (one sample's backlog at a time: a peak between samples is missed).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "support/netlab.hpp"

namespace sluice::test {

// Starts sampling in its constructor, as fast as `tc` answers, and stops in stop() or its
// destructor; at most kMaxSamples. Thread-safety: the accessors may be called from any thread.
// Lifetime: the lab must outlive the sampler.
class LinkSampler {
 public:
  static constexpr std::uint64_t kMaxSamples = 100'000;

  explicit LinkSampler(const NetLab& lab);
  LinkSampler(const LinkSampler&) = delete;
  LinkSampler& operator=(const LinkSampler&) = delete;
  ~LinkSampler() { stop(); }

  void stop();
  std::uint64_t peak_backlog() const;  // bytes
  std::uint64_t samples() const;
  std::string error() const;  // why sampling ended early (tc failed), or empty

 private:
  void sample(std::stop_token stop);

  const NetLab& lab_;
  mutable std::mutex mutex_;
  std::uint64_t peak_backlog_ = 0;  // guarded by mutex_
  std::uint64_t samples_ = 0;       // guarded by mutex_
  std::string error_;               // guarded by mutex_
  std::jthread thread_;             // last: starts once the fields exist
};

}  // namespace sluice::test
