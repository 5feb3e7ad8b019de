// An optional value kept on the heap: a pointer's size while empty, for fields that are
// rarely set in objects there are many of (an input item's errors, a transfer's rare messages).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// The text held, or an empty view while there is none: how the rare messages are read.
inline std::string_view view_or_empty(const HeapOptional<std::string>& text) noexcept {
  return text ? std::string_view(*text) : std::string_view();
}

}  // namespace sluice::detail
