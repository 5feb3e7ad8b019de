// Runs a callback when a scope ends, however it ends.
#pragma once

#include <utility>

namespace sluice::detail {

// Thread-safety: none; a local object. Lifetime: the callback runs in the destructor and
// must not throw.
template <class Callback>
class ScopeExit {
 public:
  explicit ScopeExit(Callback callback) : callback_(std::move(callback)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { callback_(); }

 private:
  Callback callback_;
};

}  // namespace sluice::detail
