#include "output/progress_line.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

TEST(FormatBytesTest, UsesBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(20ull * 1024 * 1024), "20.0 MiB");
}

TEST(FormatProgressTest, ShowsTotalOnlyOnceKnown) {
  ProgressSnapshot snapshot;
  snapshot.done = 120;
  snapshot.failed = 2;
  snapshot.in_flight = 10;
  snapshot.rate_per_s = 195.26;
  EXPECT_EQ(format_progress(snapshot).rfind("120 done", 0), 0u);
  snapshot.total = 200;
  const std::string line = format_progress(snapshot);
  EXPECT_EQ(line.rfind("120/200 done", 0), 0u) << line;
  EXPECT_NE(line.find("195.3/s"), std::string::npos) << line;
  EXPECT_NE(line.find("2 failed"), std::string::npos) << line;
  EXPECT_NE(line.find("10 in flight"), std::string::npos) << line;
}

}  // namespace
}  // namespace sluice
