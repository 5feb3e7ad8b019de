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

TEST(FormatProgressTest, NamesAPausedHostAndWhenItGoesAgain) {
  ProgressSnapshot snapshot;
  EXPECT_EQ(format_progress(snapshot).find("paused"), std::string::npos);
  snapshot.paused_host = "http://api.example:443";
  snapshot.paused_until = "14:03:59";
  const std::string line = format_progress(snapshot);
  EXPECT_TRUE(line.ends_with(" · paused: http://api.example:443 until 14:03:59")) << line;
}

TEST(FormatTimeOfDayTest, GivesHoursMinutesAndSeconds) {
  const std::string text = format_time_of_day(std::chrono::system_clock::now());
  ASSERT_EQ(text.size(), 8u) << text;
  EXPECT_EQ(text[2], ':');
  EXPECT_EQ(text[5], ':');
}

}  // namespace
}  // namespace sluice
