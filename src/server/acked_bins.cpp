// Sums the bytes that the test server's clients acknowledged into bins of 100 ms.
#include "server/acked_bins.hpp"

#include <algorithm>

#include "server/tcp_info.hpp"

namespace sluice::detail {

void AckedBins::watch(int fd) {
  const std::lock_guard lock(mutex_);
  last_acked_[fd] = bytes_acked(fd).value_or(0);
}

void AckedBins::unwatch(int fd, std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  const auto found = last_acked_.find(fd);
  if (found == last_acked_.end()) {
    return;
  }
  add(bin_at(now), growth(fd, found->second));
  last_acked_.erase(found);
}

void AckedBins::sample(std::chrono::steady_clock::time_point now) {
  const auto ended = bin_at(now);
  if (ended == 0) {
    return;  // no bin has ended yet
  }
  const std::lock_guard lock(mutex_);
  std::uint64_t sum = 0;
  for (auto& [fd, last] : last_acked_) {
    sum += growth(fd, last);
  }
  add(ended - 1, sum);
}

RecentBins last_bins(const std::vector<std::uint64_t>& all, std::size_t count) {
  const auto first = all.size() - std::min(count, all.size());
  return {.first = first,
          .bins = std::vector<std::uint64_t>(all.begin() + static_cast<std::ptrdiff_t>(first),
                                             all.end())};
}

std::vector<std::uint64_t> AckedBins::bins() const {
  const std::lock_guard lock(mutex_);
  return bins_;
}

RecentBins AckedBins::recent(std::size_t count) const {
  const std::lock_guard lock(mutex_);
  return last_bins(bins_, count);
}

std::size_t AckedBins::bin_at(std::chrono::steady_clock::time_point now) const noexcept {
  return static_cast<std::size_t>(
      std::max(now - start_, std::chrono::steady_clock::duration::zero()) / kWidth);
}

std::uint64_t AckedBins::growth(int fd, std::uint64_t& last) noexcept {
  const auto now = bytes_acked(fd);
  // The counter only grows; a failed read counts nothing and leaves `last` for the next one.
  if (!now || *now <= last) {
    return 0;
  }
  const auto grown = *now - last;
  last = *now;
  return grown;
}

void AckedBins::add(std::size_t bin, std::uint64_t bytes) {
  if (bytes == 0) {
    return;
  }
  if (bins_.size() <= bin) {
    bins_.resize(bin + 1);
  }
  bins_[bin] += bytes;
}

AckedBinsEntry::AckedBinsEntry(AckedBins& bins, int fd) : bins_(bins), fd_(fd) { bins_.watch(fd_); }

void AckedBinsEntry::end() noexcept {
  if (fd_ < 0) {
    return;
  }
  bins_.unwatch(fd_, std::chrono::steady_clock::now());
  fd_ = -1;
}

}  // namespace sluice::detail
