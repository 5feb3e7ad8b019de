// The one exception type of the public API: a misconfiguration the user must fix.
#pragma once

#include <stdexcept>
#include <string>

namespace sluice {

// Thrown only for bad options or unreadable inputs, never for a failed URL (that is a
// Record). The CLI maps it to exit code 2 and prints what() as one line, with option()
// replaced by the command-line flag that sets it.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
  // A message about the Options field named `option` (e.g. "concurrency"), which it begins
  // with: what() is `option` followed by `rest`.
  UsageError(const char* option, const std::string& rest)
      : std::runtime_error(option + rest), option_(option) {}

  // The Options field that what() begins with, or "" when the message names none.
  const char* option() const noexcept { return option_; }

 private:
  const char* option_ = "";  // a string literal: copying the exception never throws
};

}  // namespace sluice
