// The one exception type of the public API: a misconfiguration the user must fix.
#pragma once

#include <stdexcept>
#include <string>

namespace sluice {

// Thrown only for bad options or unreadable inputs, never for a failed URL (that is a
// Record). The CLI maps it to exit code 2 and prints what() as one line.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sluice
