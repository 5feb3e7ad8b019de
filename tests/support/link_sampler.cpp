// The link lab's sampling thread: `tc -s -j qdisc` in a loop, keeping the peak backlog.
#include "support/link_sampler.hpp"

#include <algorithm>
#include <exception>

namespace sluice::test {

LinkSampler::LinkSampler(const NetLab& lab)
    : lab_(lab), thread_([this](std::stop_token stop) { sample(stop); }) {}

void LinkSampler::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

std::uint64_t LinkSampler::peak_backlog() const {
  std::lock_guard lock(mutex_);
  return peak_backlog_;
}

std::uint64_t LinkSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

std::string LinkSampler::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void LinkSampler::sample(std::stop_token stop) {
  for (std::uint64_t i = 0; i < kMaxSamples && !stop.stop_requested(); ++i) {
    try {
      const auto stats = lab_.link_stats();
      std::lock_guard lock(mutex_);
      peak_backlog_ = std::max(peak_backlog_, stats.backlog);
      ++samples_;
    } catch (const std::exception& failed) {
      std::lock_guard lock(mutex_);
      error_ = failed.what();
      return;
    }
  }
}

}  // namespace sluice::test
