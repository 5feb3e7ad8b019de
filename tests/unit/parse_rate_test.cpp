// Tests for parse_rate: units, bare numbers, decimals, and clear rejections.
#include "limit/parse_rate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using namespace detail;

TEST(ParseRateTest, AcceptsEveryUnit) {
  EXPECT_EQ(parse_rate("100/s"), 100.0);
  EXPECT_EQ(parse_rate("30/m"), 0.5);
  EXPECT_EQ(parse_rate("7200/h"), 2.0);
  EXPECT_DOUBLE_EQ(*parse_rate("1/h"), 1.0 / 3600);
}

TEST(ParseRateTest, BareNumberMeansPerSecond) {
  EXPECT_EQ(parse_rate("25"), 25.0);
  EXPECT_EQ(parse_rate("0.5"), 0.5);
}

TEST(ParseRateTest, AcceptsDecimals) {
  EXPECT_EQ(parse_rate("2.5/s"), 2.5);
  EXPECT_EQ(parse_rate("1.5/m"), 0.025);
  EXPECT_EQ(parse_rate("0.1/s"), 0.1);
}

TEST(ParseRateTest, RejectsJunkQuotingTheText) {
  const auto result = parse_rate("fast");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "invalid rate 'fast' (examples: 100/s, 30/m, 5000/h)");
  for (const char* bad :
       {"", "/s", "10/", "10/d", "10/S", "10/sec", "10 /s", " 10/s", "10/s ", "1e3/s", "inf", "nan",
        "+5/s", "1./s", ".5/s", "1..5/s", "10/s/s", "0x10/s", "10ms"}) {
    EXPECT_FALSE(parse_rate(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseRateTest, RejectsZeroAndNegatives) {
  EXPECT_EQ(parse_rate("0/s").error(), "invalid rate '0/s' (must be positive)");
  EXPECT_EQ(parse_rate("0.000").error(), "invalid rate '0.000' (must be positive)");
  EXPECT_EQ(parse_rate("-5/s").error(), "invalid rate '-5/s' (must not be negative)");
}

TEST(ParseRateTest, RejectsNumbersOutOfRange) {
  const std::string huge(400, '9');
  EXPECT_EQ(parse_rate(huge + "/s").error(), "invalid rate '" + huge + "/s' (out of range)");
}

}  // namespace
}  // namespace sluice
