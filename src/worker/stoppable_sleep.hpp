// A sleep that a stop request ends early: the worker's threads wait between Redis calls
// (backoff, heartbeats, renewals, the job's rate) and must all leave at once on SIGTERM.
#pragma once

#include <chrono>
#include <stop_token>

namespace sluice::detail {

// Sleeps until `at` unless `stop` comes first; false when it did.
bool sleep_until_unless_stopped(std::chrono::steady_clock::time_point at, std::stop_token stop);

// Sleeps `wait` unless `stop` comes first; false when it did.
inline bool sleep_unless_stopped(std::chrono::steady_clock::duration wait, std::stop_token stop) {
  return sleep_until_unless_stopped(std::chrono::steady_clock::now() + wait, stop);
}

}  // namespace sluice::detail
