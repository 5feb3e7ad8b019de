// The connect window's lanes: Reno's growth and decrease, counted in connects.
#include "limit/connect_window.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

// Ends between sweeps of idle lanes: a sweep walks every lane, so it is spread thin.
constexpr std::size_t kSweepAfterEnds = 4096;

}  // namespace

ConnectWindow::ConnectWindow(std::size_t initial)
    : initial_(std::clamp<std::size_t>(initial, 1, kMaxWindow)),
      overall_(fresh_lane(time_point{})) {}

ConnectLane ConnectWindow::fresh_lane(time_point now) const {
  return ConnectLane{.window = initial_, .threshold = kMaxWindow, .last_change = now};
}

bool ConnectWindow::has_room(const std::string& host) const {
  if (!overall_has_room()) return false;
  if (host.empty()) return true;
  const auto found = hosts_.find(host);
  return found == hosts_.end() || found->second.in_flight < found->second.window;
}

void ConnectWindow::begin(const std::string& host, time_point now) {
  ++overall_.in_flight;
  if (host.empty()) return;
  auto [lane, added] = hosts_.try_emplace(host, fresh_lane(now));
  ++lane->second.in_flight;
}

void ConnectWindow::grow(ConnectLane& lane, time_point now) const {
  if (lane.window < lane.threshold) {
    ++lane.window;
  } else if (++lane.credit >= lane.window) {
    lane.credit = 0;
    ++lane.window;
  }
  lane.window = std::min(lane.window, kMaxWindow);
  lane.last_change = now;
}

void ConnectWindow::shrink(ConnectLane& lane, time_point now) const {
  lane.last_change = now;
  if (now < lane.holds_until) return;
  lane.threshold = std::max<std::size_t>(lane.window / 2, 1);
  lane.window = lane.threshold;
  lane.credit = 0;
  lane.holds_until = now + kHold;
}

void ConnectWindow::end(const std::string& host, ConnectOutcome outcome, time_point now) {
  const auto settle = [&](ConnectLane& lane) {
    if (lane.in_flight > 0) --lane.in_flight;
    if (outcome == ConnectOutcome::Failed || outcome == ConnectOutcome::Retransmitted) {
      shrink(lane, now);
    } else if (outcome == ConnectOutcome::Connected) {
      grow(lane, now);
    }
  };
  settle(overall_);
  if (!host.empty()) {
    if (const auto found = hosts_.find(host); found != hosts_.end()) settle(found->second);
  }
  if (++ends_since_sweep_ >= kSweepAfterEnds) sweep(now);
}

void ConnectWindow::sweep(time_point now) {
  ends_since_sweep_ = 0;
  std::erase_if(hosts_, [&](const auto& entry) {
    const ConnectLane& lane = entry.second;
    return lane.in_flight == 0 && now - lane.last_change >= kForgetAfter;
  });
}

std::size_t ConnectWindow::window(const std::string& host) const {
  const auto found = hosts_.find(host);
  return found == hosts_.end() ? initial_ : found->second.window;
}

std::size_t ConnectWindow::in_flight(const std::string& host) const {
  const auto found = hosts_.find(host);
  return found == hosts_.end() ? 0 : found->second.in_flight;
}

}  // namespace sluice::detail
