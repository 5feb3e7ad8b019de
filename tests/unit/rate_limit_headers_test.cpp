// Tests for parse_rate_limit_headers: every draft spelling, the X- fields, precedence, and
// the malformed headers that must be ignored.
#include "limit/rate_limit_headers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A wall clock reading in the 2023 range, for epoch resets.
const auto kWallNow = std::chrono::system_clock::time_point(1'700'000'000s);

std::optional<RateLimitInfo> parse(
    std::initializer_list<std::pair<std::string, std::string>> fields) {
  std::map<std::string, std::string> by_name;
  for (const auto& [name, value] : fields) by_name[lower(name)] = value;
  return parse_rate_limit_headers(
      [&](std::string_view name) -> std::optional<std::string> {
        const auto found = by_name.find(lower(name));
        if (found == by_name.end()) return std::nullopt;
        return found->second;
      },
      kWallNow);
}

RateLimitInfo info(std::uint64_t remaining, std::chrono::milliseconds reset) {
  return RateLimitInfo{.remaining = remaining, .reset = reset};
}

TEST(RateLimitHeadersTest, ReadsTheDictionaryForm) {
  EXPECT_EQ(parse({{"RateLimit", "limit=100, remaining=50, reset=30"}}), info(50, 30s));
  EXPECT_EQ(parse({{"ratelimit", "reset=5,remaining=0"}}), info(0, 5s));
}

TEST(RateLimitHeadersTest, ReadsTheStructuredListForm) {
  EXPECT_EQ(parse({{"RateLimit", R"("default";r=50;t=30)"}}), info(50, 30s));
  EXPECT_EQ(parse({{"RateLimit", "default;r=50;t=30"}}), info(50, 30s));
  EXPECT_EQ(parse({{"RateLimit", R"( "default" ; r=50 ; t=30 )"}}), info(50, 30s));
}

TEST(RateLimitHeadersTest, ListFormTakesTheMostRestrictivePolicy) {
  // 5 per second against 100 per hour: the hourly quota is the one to pace by.
  EXPECT_EQ(parse({{"RateLimit", R"("burst";r=5;t=1, "daily";r=100;t=3600)"}}), info(100, 3600s));
  EXPECT_EQ(parse({{"RateLimit", R"("burst";r=0;t=1, "daily";r=100;t=3600)"}}), info(0, 1s));
}

TEST(RateLimitHeadersTest, ListItemWithoutResetUsesItsPolicysWindow) {
  EXPECT_EQ(parse({{"RateLimit", R"("default";r=50)"},
                   {"RateLimit-Policy", R"("other";q=10;w=1, "default";q=100;w=60)"}}),
            info(50, 60s));
  EXPECT_EQ(parse({{"RateLimit", R"("default";r=50)"}}), std::nullopt);
}

TEST(RateLimitHeadersTest, QuotedNamesMayHoldSeparators) {
  EXPECT_EQ(parse({{"RateLimit", R"("a,b;c=\"d\"";r=7;t=9)"}}), info(7, 9s));
}

TEST(RateLimitHeadersTest, ReadsTheSeparateFieldsOfTheFirstDrafts) {
  EXPECT_EQ(
      parse({{"RateLimit-Limit", "100"}, {"RateLimit-Remaining", "50"}, {"RateLimit-Reset", "30"}}),
      info(50, 30s));
  // Those drafts let the limit carry policies; remaining and reset stay single numbers.
  EXPECT_EQ(parse({{"RateLimit-Limit", "10, 10;w=1, 1000;w=3600"},
                   {"RateLimit-Remaining", "9"},
                   {"RateLimit-Reset", "1"}}),
            info(9, 1s));
  EXPECT_EQ(parse({{"RateLimit-Remaining", "9"}, {"RateLimit-Policy", "10;w=1, 1000;w=3600"}}),
            info(9, 3600s));  // no reset: the longest window is the safe reading
}

TEST(RateLimitHeadersTest, ReadsXRateLimitWithDeltaSeconds) {
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "10"}, {"X-RateLimit-Reset", "60"}}), info(10, 60s));
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "10"}, {"X-RateLimit-Reset", "1.5"}}),
            info(10, 1500ms));
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "10"}, {"X-RateLimit-Reset", "0.0001"}}),
            info(10, 1ms));  // rounded up
}

TEST(RateLimitHeadersTest, ReadsXRateLimitWithAnEpochReset) {
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "4999"}, {"X-RateLimit-Reset", "1700000090"}}),
            info(4999, 90s));
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1700000000.25"}}),
            info(0, 250ms));
  // A window that already renewed limits nothing.
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1699999999"}}),
            std::nullopt);
}

TEST(RateLimitHeadersTest, ReadsAPolicyAlone) {
  EXPECT_EQ(parse({{"RateLimit-Policy", R"("default";q=100;w=60)"}}), info(100, 60s));
  EXPECT_EQ(parse({{"RateLimit-Policy", "default;l=100;w=60"}}), info(100, 60s));
  EXPECT_EQ(parse({{"RateLimit-Policy", "10;w=1, 50;w=60"}}), info(50, 60s));
  EXPECT_EQ(parse({{"RateLimit-Policy", R"("default";q=100)"}}), std::nullopt);  // no window
}

TEST(RateLimitHeadersTest, NewestFormWins) {
  EXPECT_EQ(parse({{"RateLimit", R"("default";r=1;t=2)"},
                   {"RateLimit-Remaining", "3"},
                   {"RateLimit-Reset", "4"},
                   {"X-RateLimit-Remaining", "5"},
                   {"X-RateLimit-Reset", "6"}}),
            info(1, 2s));
  EXPECT_EQ(parse({{"RateLimit-Remaining", "3"},
                   {"RateLimit-Reset", "4"},
                   {"X-RateLimit-Remaining", "5"},
                   {"X-RateLimit-Reset", "6"}}),
            info(3, 4s));
}

TEST(RateLimitHeadersTest, UnusableFormFallsThroughToTheNext) {
  EXPECT_EQ(parse({{"RateLimit", "remaining=lots"},
                   {"X-RateLimit-Remaining", "5"},
                   {"X-RateLimit-Reset", "6"}}),
            info(5, 6s));
}

TEST(RateLimitHeadersTest, IgnoresMalformedAndMeaninglessValues) {
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", ""}}), std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", "remaining=50"}}), std::nullopt);  // no reset, no policy
  EXPECT_EQ(parse({{"RateLimit", "remaining=-1, reset=30"}}), std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", "remaining=5, reset=0"}}), std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", R"("d";r=5;t=-3)"}}), std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", R"("d";r=5x;t=3)"}}), std::nullopt);
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "5"}}), std::nullopt);
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "5"}, {"X-RateLimit-Reset", "soon"}}), std::nullopt);
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "5"}, {"X-RateLimit-Reset", "1e3"}}), std::nullopt);
  // More than a year away: a broken header (here, milliseconds since the epoch).
  EXPECT_EQ(parse({{"X-RateLimit-Remaining", "5"}, {"X-RateLimit-Reset", "1700000000000"}}),
            std::nullopt);
  EXPECT_EQ(parse({{"RateLimit", "remaining=5, reset=99999999"}}), std::nullopt);
}

}  // namespace
}  // namespace sluice
