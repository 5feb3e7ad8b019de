// Runs the sluice binary under test: SLUICE_BINARY, which the test targets that start it
// define.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace sluice::test {

inline ChildResult run_sluice(const std::vector<std::string>& args, const std::string& input = {}) {
  return run_child(SLUICE_BINARY, args, input, std::chrono::seconds(60));
}

inline std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A usage error: exit 2, nothing on standard output, one line on standard error with `named`.
inline void expect_usage_error(const std::vector<std::string>& args, const std::string& named) {
  std::string shown;
  for (const auto& arg : args) shown += " '" + arg + "'";
  SCOPED_TRACE("sluice" + shown);
  const auto result = run_sluice(args);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find(named), std::string::npos) << result.err;
}

}  // namespace sluice::test
