// Tests for RangePattern: brace and bracket syntax, order, padding, literals, errors, sizes.
#include "input/range_pattern.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

// Every expansion of a small pattern, in order; fails the test on a parse error.
std::vector<std::string> expand(std::string_view text) {
  const auto pattern = RangePattern::parse(text);
  EXPECT_TRUE(pattern.has_value()) << text << ": " << pattern.error();
  std::vector<std::string> out;
  if (!pattern) return out;
  EXPECT_LE(pattern->size(), 1000u) << "expand() is for small patterns";
  for (std::uint64_t k = 0; k < pattern->size() && k < 1000; ++k) out.push_back(pattern->at(k));
  return out;
}

std::string parse_error(std::string_view text) {
  const auto pattern = RangePattern::parse(text);
  EXPECT_FALSE(pattern.has_value()) << text << " parsed, expected an error";
  return pattern ? std::string() : pattern.error();
}

using namespace std::string_literals;

using Strings = std::vector<std::string>;

TEST(RangePatternTest, PlainTextIsItsOnlyExpansion) {
  EXPECT_EQ(expand("http://example.com/a,b"), Strings{"http://example.com/a,b"});
  EXPECT_EQ(expand(""), Strings{""});
}

TEST(RangePatternTest, ExpandsAscendingNumericRange) {
  EXPECT_EQ(expand("u{1..3}"), (Strings{"u1", "u2", "u3"}));
  EXPECT_EQ(RangePattern::parse("u{1..200}")->size(), 200u);
  EXPECT_EQ(RangePattern::parse("u{1..200}")->at(199), "u200");
}

TEST(RangePatternTest, ExpandsDescendingRange) {
  EXPECT_EQ(expand("{10..7}"), (Strings{"10", "9", "8", "7"}));
  EXPECT_EQ(expand("{e..c}"), (Strings{"e", "d", "c"}));
}

TEST(RangePatternTest, HonoursStep) {
  EXPECT_EQ(expand("{1..10..4}"), (Strings{"1", "5", "9"}));
  EXPECT_EQ(expand("{10..1..3}"), (Strings{"10", "7", "4", "1"}));
  EXPECT_EQ(RangePattern::parse("{1..100..5}")->size(), 20u);
  EXPECT_EQ(expand("{a..g..3}"), (Strings{"a", "d", "g"}));
  EXPECT_EQ(expand("{1..2..50}"), (Strings{"1"}));
}

TEST(RangePatternTest, KeepsZeroPaddingOfWiderEndpoint) {
  const auto padded = RangePattern::parse("{001..120}");
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(padded->size(), 120u);
  EXPECT_EQ(padded->at(0), "001");
  EXPECT_EQ(padded->at(98), "099");
  EXPECT_EQ(padded->at(119), "120");
  EXPECT_EQ(expand("{08..10}"), (Strings{"08", "09", "10"}));
  EXPECT_EQ(expand("{1..0010..4}"), (Strings{"0001", "0005", "0009"}));
  EXPECT_EQ(expand("{0..2}"), (Strings{"0", "1", "2"}));
}

TEST(RangePatternTest, ExpandsLetterRanges) {
  EXPECT_EQ(expand("{a..e}"), (Strings{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(expand("{X..Z}"), (Strings{"X", "Y", "Z"}));
  EXPECT_NE(parse_error("{a..Z}").find("different case"), std::string::npos);
}

TEST(RangePatternTest, LastGroupVariesFastest) {
  EXPECT_EQ(expand("{a,b}{1,2}"), (Strings{"a1", "a2", "b1", "b2"}));
  EXPECT_EQ(expand("x[1-2]/{a..b}"), (Strings{"x1/a", "x1/b", "x2/a", "x2/b"}));
}

TEST(RangePatternTest, ListsNestGroups) {
  EXPECT_EQ(expand("{a,b{1..3}}"), (Strings{"a", "b1", "b2", "b3"}));
  EXPECT_EQ(expand("{x,{y,z}w}!"), (Strings{"x!", "yw!", "zw!"}));
  EXPECT_EQ(expand("{a,b{1,2}c}{-,+}"), (Strings{"a-", "a+", "b1c-", "b1c+", "b2c-", "b2c+"}));
}

TEST(RangePatternTest, ListItemsMayBeEmpty) {
  EXPECT_EQ(expand("x{a,}y"), (Strings{"xay", "xy"}));
  EXPECT_EQ(expand("{,b}"), (Strings{"", "b"}));
  EXPECT_EQ(expand("{,}"), (Strings{"", ""}));
}

TEST(RangePatternTest, BracesWithoutCommaOrRangeStayLiteral) {
  EXPECT_EQ(expand("a{}b"), Strings{"a{}b"});
  EXPECT_EQ(expand("{abc}"), Strings{"{abc}"});
  EXPECT_EQ(expand("{1..}"), Strings{"{1..}"});
  EXPECT_EQ(expand("{1..2..3..4}"), Strings{"{1..2..3..4}"});
  EXPECT_EQ(expand("{x{1..2}}"), (Strings{"{x1}", "{x2}"}));
}

TEST(RangePatternTest, BackslashEscapesSpecialCharacters) {
  EXPECT_EQ(expand(R"(\{a,b\})"), Strings{"{a,b}"});
  EXPECT_EQ(expand(R"({a\,b,c})"), (Strings{"a,b", "c"}));
  EXPECT_EQ(expand(R"(\[1-3\])"), Strings{"[1-3]"});
  EXPECT_EQ(expand(R"(a\\{1,2})"), (Strings{R"(a\1)", R"(a\2)"}));
  EXPECT_EQ(expand(R"(a\b\)"), Strings{R"(a\b\)"});
}

TEST(RangePatternTest, CarriesHostileBytesThroughForTheUrlCheck) {
  // Expansion is byte-exact; rejecting NUL, invalid UTF-8 and spaces is check_url's job.
  EXPECT_EQ(expand("h/\0{a,\xff b}[1-2]\t"s),
            (Strings{"h/\0a1\t"s, "h/\0a2\t"s, "h/\0\xff b1\t"s, "h/\0\xff b2\t"s}));
}

TEST(RangePatternTest, UnmatchedBracesNameTheColumn) {
  EXPECT_EQ(parse_error("http://host/pa{th"), "unmatched '{' at column 15");
  EXPECT_EQ(parse_error("http://host/{a,{b}"), "unmatched '{' at column 13");
  EXPECT_EQ(parse_error("ab}c"), "unmatched '}' at column 3");
  EXPECT_EQ(parse_error(R"(\{a})"), "unmatched '}' at column 4");
}

TEST(RangePatternTest, ExpandsCurlBrackets) {
  EXPECT_EQ(expand("[a-c]"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(RangePattern::parse("[a-z]")->size(), 26u);
  EXPECT_EQ(expand("[1-9:2]"), (Strings{"1", "3", "5", "7", "9"}));
  EXPECT_EQ(expand("[001-003]"), (Strings{"001", "002", "003"}));
  EXPECT_EQ(RangePattern::parse("[001-010]")->at(9), "010");
  EXPECT_EQ(RangePattern::parse("[1-100:10]")->size(), 10u);
}

TEST(RangePatternTest, LeavesIpv6AndOtherBracketsUntouched) {
  EXPECT_EQ(expand("http://[::1]:8080/"), Strings{"http://[::1]:8080/"});
  EXPECT_EQ(expand("http://[fe80::1-2]/"), Strings{"http://[fe80::1-2]/"});
  EXPECT_EQ(expand("a[1-]b[x]c[]d[1-2"), Strings{"a[1-]b[x]c[]d[1-2"});
  EXPECT_EQ(expand("a]b"), Strings{"a]b"});
}

TEST(RangePatternTest, RejectsBadRanges) {
  EXPECT_EQ(parse_error("x{1..99999999999999999999}"),
            "invalid range at column 2: 99999999999999999999 is too large");
  EXPECT_NE(parse_error("[1-18446744073709551616]").find("too large"), std::string::npos);
  EXPECT_NE(parse_error("{1..5..0}").find("step"), std::string::npos);
  EXPECT_NE(parse_error("{-1..3}").find("negative"), std::string::npos);
}

TEST(RangePatternTest, SizeSaturatesInsteadOfOverflowing) {
  const auto full = RangePattern::parse("{0..18446744073709551615}");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->size(), UINT64_MAX);
  EXPECT_EQ(full->at(UINT64_MAX - 1), "18446744073709551614");

  const auto product = RangePattern::parse("{1..4294967296}{1..4294967296}{a,b}");
  ASSERT_TRUE(product.has_value());
  EXPECT_EQ(product->size(), UINT64_MAX);
  EXPECT_EQ(product->at(0), "11a");
  EXPECT_EQ(product->at(3), "12b");

  const auto sum = RangePattern::parse("{{1..18446744073709551615},{1..2}}");
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(sum->size(), UINT64_MAX);
}

TEST(RangePatternTest, RandomAccessNeedsNoList) {
  const auto huge = RangePattern::parse("http://h/{1..10000000000}/[a-z]");
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->size(), 260'000'000'000u);
  EXPECT_EQ(huge->at(0), "http://h/1/a");
  EXPECT_EQ(huge->at(259'999'999'999u), "http://h/10000000000/z");
  EXPECT_EQ(huge->at(27), "http://h/2/b");
}

TEST(RangePatternTest, RejectsExcessiveNesting) {
  const std::string deep = std::string(65, '{') + "a,b" + std::string(65, '}');
  EXPECT_NE(parse_error(deep).find("nested"), std::string::npos);
  const std::string fine = std::string(64, '{') + "a,b" + std::string(64, '}');
  EXPECT_EQ(RangePattern::parse(fine)->size(), 2u);
}

TEST(RangePatternTest, ParsingTimeIsLinearInTheText) {
  // Shapes that once cost time quadratic in the text: each '[' searched all the rest for a
  // ']', each list item all the rest for the end of its literal. Quadratic parsing takes
  // many minutes on these, past ctest's limit for a test, which fails it; linear parsing
  // takes milliseconds, even unoptimized and sanitized. No clock is read: a busy machine
  // stretches milliseconds but never makes them minutes.
  const std::string brackets(2'000'000, '[');
  std::string items = "{";
  for (int i = 0; i < 100'000; ++i) items += "a,";
  items += "a}" + std::string(400'000, 'x');
  EXPECT_EQ(RangePattern::parse(brackets)->size(), 1u);
  EXPECT_EQ(RangePattern::parse(items)->size(), 100'001u);
}

TEST(RangePatternTest, MayExpandSpotsSyntaxCharacters) {
  EXPECT_FALSE(RangePattern::may_expand("http://example.com/a,b?c=d"));
  EXPECT_TRUE(RangePattern::may_expand("a{"));
  EXPECT_TRUE(RangePattern::may_expand("a}"));
  EXPECT_TRUE(RangePattern::may_expand("a["));
  EXPECT_TRUE(RangePattern::may_expand("a\\"));
}

TEST(RangePatternTest, CopiesShareTheParsedForm) {
  const auto parsed = RangePattern::parse("{a,b}");
  ASSERT_TRUE(parsed.has_value());
  const RangePattern copy = *parsed;
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_EQ(copy.at(1), "b");
}

}  // namespace
}  // namespace sluice
