// Tests for parse_whole_number, parse_duration and parse_size: accepted spellings, exact
// arithmetic, rejections.
#include "units.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice {
namespace {

using namespace detail;

using std::chrono::milliseconds;

TEST(ParseWholeNumberTest, AcceptsPlainDecimalWithinTheRange) {
  EXPECT_EQ(parse_whole_number("0", 0, 10), 0u);
  EXPECT_EQ(parse_whole_number("10", 0, 10), 10u);
  EXPECT_EQ(parse_whole_number("010", 0, 10), 10u);  // decimal, not octal
  EXPECT_EQ(parse_whole_number("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
}

TEST(ParseWholeNumberTest, RejectsAnythingButDigitsQuotingTheText) {
  EXPECT_EQ(parse_whole_number("", 0, 10).error(),
            "invalid whole number '' (digits only, e.g. 10)");
  for (const char* bad : {" 5", "5 ", "0x10", "+5", "1e3", "1.5", "5k", "-", "--5", "abc"}) {
    EXPECT_EQ(parse_whole_number(bad, 0, 100).error(),
              "invalid whole number '" + std::string(bad) + "' (digits only, e.g. 10)");
  }
}

TEST(ParseWholeNumberTest, RejectsNumbersOutOfRangeNamingTheRange) {
  EXPECT_EQ(parse_whole_number("0", 1, 1000).error(),
            "invalid whole number '0' (out of range: 1 to 1000)");
  EXPECT_EQ(parse_whole_number("1001", 1, 1000).error(),
            "invalid whole number '1001' (out of range: 1 to 1000)");
  EXPECT_EQ(parse_whole_number("-1", 0, 1000).error(),
            "invalid whole number '-1' (out of range: 0 to 1000)");
  for (const char* huge : {"18446744073709551616", "99999999999999999999"}) {
    EXPECT_EQ(parse_whole_number(huge, 0, UINT64_MAX).error(),
              "invalid whole number '" + std::string(huge) + "' (out of range: 0 to " +
                  std::to_string(UINT64_MAX) + ")");
  }
}

TEST(ParseDurationTest, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds{500});
  EXPECT_EQ(parse_duration("10s"), milliseconds{10'000});
  EXPECT_EQ(parse_duration("2m"), milliseconds{120'000});
  EXPECT_EQ(parse_duration("1h"), milliseconds{3'600'000});
}

TEST(ParseDurationTest, BareNumberMeansSeconds) {
  EXPECT_EQ(parse_duration("3"), milliseconds{3'000});
  EXPECT_EQ(parse_duration("0"), milliseconds{0});
  EXPECT_EQ(parse_duration("0ms"), milliseconds{0});
}

TEST(ParseDurationTest, DecimalsAreExact) {
  EXPECT_EQ(parse_duration("1.5s"), milliseconds{1'500});
  EXPECT_EQ(parse_duration("1.1s"), milliseconds{1'100});
  EXPECT_EQ(parse_duration("0.001s"), milliseconds{1});
  EXPECT_EQ(parse_duration("1.25m"), milliseconds{75'000});
  EXPECT_EQ(parse_duration("2.50000000000000000000000s"), milliseconds{2'500});
}

TEST(ParseDurationTest, RejectsJunkQuotingTheText) {
  const auto result = parse_duration("abc");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "invalid duration 'abc' (units: ms, s, m, h, e.g. 500ms, 10s, 2m)");
  for (const char* bad : {"", "s", "10x", "10 s", " 10s", "1.s", ".5s", "1..5s", "10S", "1e3",
                          "+5s", "10sec", "0x10"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseDurationTest, RejectsNegatives) {
  const auto result = parse_duration("-5s");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "invalid duration '-5s' (must not be negative)");
}

TEST(ParseDurationTest, RejectsMoreThanAYear) {
  EXPECT_EQ(parse_duration("8760h"), std::chrono::days{365});
  EXPECT_EQ(parse_duration("31536000000ms"), std::chrono::days{365});
  EXPECT_EQ(parse_duration("31536000001ms").error(),
            "invalid duration '31536000001ms' (too large: at most 365 days)");
  for (const char* bad : {"8760.001h", "3000000h", "9223372036854775807ms", "9223372036854775808ms",
                          "99999999999999999999", "5124095576030432h"}) {
    const auto result = parse_duration(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_NE(result.error().find("too large: at most 365 days"), std::string::npos)
        << result.error();
  }
}

TEST(ParseDurationTest, RejectsSubMillisecondPrecision) {
  EXPECT_FALSE(parse_duration("0.5ms").has_value());
  EXPECT_FALSE(parse_duration("1.0001s").has_value());
}

TEST(ParseSizeTest, AcceptsBytesAndBinaryPrefixes) {
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("500k"), 500u * 1024);
  EXPECT_EQ(parse_size("500K"), 500u * 1024);
  EXPECT_EQ(parse_size("20M"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("20m"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("1G"), 1024u * 1024 * 1024);
  EXPECT_EQ(parse_size("1g"), 1024u * 1024 * 1024);
}

TEST(ParseSizeTest, AcceptsByteSuffixes) {
  EXPECT_EQ(parse_size("20MB"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("20MiB"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("4KiB"), 4096u);
  EXPECT_EQ(parse_size("4kB"), 4096u);
}

TEST(ParseSizeTest, DecimalsRoundDownToWholeBytes) {
  EXPECT_EQ(parse_size("1.5M"), 1'572'864u);
  EXPECT_EQ(parse_size("0.5k"), 512u);
  EXPECT_EQ(parse_size("1.1k"), 1126u);  // 1126.4
  EXPECT_EQ(parse_size("2.5"), 2u);
}

TEST(ParseSizeTest, RejectsJunkQuotingTheText) {
  const auto result = parse_size("lots");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "invalid size 'lots' (examples: 100, 500k, 20M, 1G)");
  for (const char* bad : {"", "M", "10T", "10Mb", "10iB", "10MiBs", "1.M", "10 M", "k10"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseSizeTest, RejectsNegativesAndOverflow) {
  EXPECT_EQ(parse_size("-1k").error(), "invalid size '-1k' (must not be negative)");
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_size("18446744073709551616").error(),
            "invalid size '18446744073709551616' (too large)");
  EXPECT_FALSE(parse_size("17179869184G").has_value());  // 2^34 GiB = 2^64 bytes
  EXPECT_EQ(parse_size("17179869183.999999999G"), UINT64_MAX - 1);
}

}  // namespace
}  // namespace sluice
