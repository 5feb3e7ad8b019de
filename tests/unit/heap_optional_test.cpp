// Tests for HeapOptional: set, read, cleared by an empty std::optional, moved.
#include "heap_optional.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using detail::HeapOptional;

TEST(HeapOptionalTest, HoldsAValueOnlyOnceSetAndForgetsItWhenReset) {
  HeapOptional<std::string> text;
  EXPECT_FALSE(text);
  text = std::string("set");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "set");
  EXPECT_EQ(text->size(), 3u);
  text.reset();
  EXPECT_FALSE(text);
}

TEST(HeapOptionalTest, TakesAStdOptionalEmptyOrNot) {
  HeapOptional<int> number;
  number = std::optional<int>(7);
  ASSERT_TRUE(number);
  EXPECT_EQ(*number, 7);
  number = std::optional<int>();
  EXPECT_FALSE(number);
}

TEST(HeapOptionalTest, AMoveTakesTheValueAndLeavesTheSourceEmpty) {
  HeapOptional<std::string> from;
  from = std::string("moved");
  HeapOptional<std::string> to = std::move(from);
  EXPECT_EQ(*to, "moved");
  EXPECT_FALSE(from);  // NOLINT(bugprone-use-after-move): a moved-from unique_ptr is null
}

}  // namespace
}  // namespace sluice
