// An optional value kept on the heap: a pointer's size while empty, for fields that are
// rarely set in objects there are many of (an input item's errors, a transfer's rare messages).
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace sluice::detail {

// As std::optional<T> for what its users need: test, read, set, reset; move-only.
// Thread-safety and lifetime: those of a std::unique_ptr<T>.
template <typename T>
class HeapOptional {
 public:
  HeapOptional() = default;
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(T&& value) {
    value_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  HeapOptional& operator=(std::optional<T>&& value) {
    if (value) return *this = std::move(*value);
    reset();
    return *this;
  }

  bool has_value() const noexcept { return value_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  T& operator*() noexcept { return *value_; }
  const T& operator*() const noexcept { return *value_; }
  T* operator->() noexcept { return value_.get(); }
  const T* operator->() const noexcept { return value_.get(); }
  void reset() noexcept { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace sluice::detail
