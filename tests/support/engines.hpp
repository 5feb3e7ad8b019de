// The two engines that take every cap, as a test parameter with readable names.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <string>

#include "sluice/options.hpp"

namespace sluice {

// Lets GoogleTest print a parameter as "EventLoop" rather than as its bytes (found by ADL,
// so it lives in EngineKind's own namespace).
inline void PrintTo(EngineKind engine, std::ostream* out) {
  *out << (engine == EngineKind::Threads ? "Threads" : "EventLoop");
}

namespace test {

inline std::string engine_name(EngineKind engine) {
  return engine == EngineKind::Threads ? "Threads" : "EventLoop";
}

inline auto both_engines() { return ::testing::Values(EngineKind::EventLoop, EngineKind::Threads); }

// For INSTANTIATE_TEST_SUITE_P over both_engines().
inline std::string engine_test_name(const ::testing::TestParamInfo<EngineKind>& engine_info) {
  return engine_name(engine_info.param);
}

// A fixture run on each engine in turn; options() are the defaults on that engine.
class EngineTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  Options options(std::size_t concurrency) const {
    Options result;
    result.concurrency = concurrency;
    result.engine = GetParam();
    return result;
  }
};

}  // namespace test
}  // namespace sluice
