// The names of saved bodies: the host/path tree of --layout path, a request's checked out,
// and names shortened to what the file system allows.
#include "output/body_path.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using namespace detail;

TEST(BodyPathTest, TreePathKeepsHostPortAndPath) {
  EXPECT_EQ(tree_path("https://Example.COM/data/2024/file.csv"), "example.com/data/2024/file.csv");
  EXPECT_EQ(tree_path("http://h:8080/a/b"), "h_8080/a/b");
  EXPECT_EQ(tree_path("http://user:pw@h/a"), "h/a");
  EXPECT_EQ(tree_path("http://h/a#frag"), "h/a");
}

TEST(BodyPathTest, ADirectoryGetsAnIndex) {
  EXPECT_EQ(tree_path("http://h"), "h/index.html");
  EXPECT_EQ(tree_path("http://h/"), "h/index.html");
  EXPECT_EQ(tree_path("http://h/docs/"), "h/docs/index.html");
  EXPECT_EQ(tree_path("http://h/docs/."), "h/docs/index.html");
}

TEST(BodyPathTest, AQueryIsHashedBeforeTheExtension) {
  const std::string hash = fnv1a_hex("page=2&q=a b");
  EXPECT_EQ(tree_path("http://h/list.json?page=2&q=a b"), "h/list-" + hash + ".json");
  EXPECT_EQ(tree_path("http://h/list?page=2&q=a b"), "h/list-" + hash);
  EXPECT_EQ(tree_path("http://h/?page=2&q=a b"), "h/index-" + hash + ".html");
  EXPECT_NE(tree_path("http://h/a?x=1"), tree_path("http://h/a?x=2"));
}

TEST(BodyPathTest, DotSegmentsNeverClimbAboveTheHost) {
  EXPECT_EQ(tree_path("http://h/a/../../../etc/passwd"), "h/etc/passwd");
  EXPECT_EQ(tree_path("http://h/./a/./b"), "h/a/b");
  EXPECT_EQ(tree_path("http://h/a//b"), "h/a/b");
  EXPECT_EQ(tree_path("http://../x"), "_./x");
}

TEST(BodyPathTest, OddBytesAndHiddenNamesAreNeutralised) {
  EXPECT_EQ(tree_path("http://h/.git/config"), "h/_git/config");
  EXPECT_EQ(tree_path("http://h/a\\b:c*d"), "h/a_b_c_d");
  EXPECT_EQ(tree_path("http://[::1]:8080/x"), "___1__8080/x");
  EXPECT_EQ(tree_path("http:///x"), "_/x");
}

TEST(BodyPathTest, LongSegmentsAreShortenedWithAHashKeepingTheExtension) {
  const std::string long_name(300, 'a');
  const std::string fitted = fit_segment(long_name + ".csv");
  EXPECT_EQ(fitted.size(), kMaxSegmentBytes);
  EXPECT_TRUE(fitted.ends_with("-" + fnv1a_hex(long_name + ".csv") + ".csv")) << fitted;
  EXPECT_NE(fit_segment(long_name + "1"), fit_segment(long_name + "2"));
  EXPECT_EQ(fit_segment("short.csv"), "short.csv");
  const std::string path = tree_path("http://h/" + long_name + "/" + long_name + ".csv?q=1");
  for (std::size_t start = 0, slash = 0; slash != std::string::npos; start = slash + 1) {
    slash = path.find('/', start);
    EXPECT_LE(path.substr(start, slash - start).size(), kMaxSegmentBytes);
  }
  EXPECT_TRUE(path.ends_with(".csv")) << path;
}

TEST(BodyPathTest, AnOutIsRelativeAndStaysInside) {
  EXPECT_EQ(checked_out_path("a/b/c.bin"), "a/b/c.bin");
  EXPECT_EQ(checked_out_path("./a//b/"), "a/b");
  EXPECT_FALSE(checked_out_path("/etc/passwd"));
  EXPECT_FALSE(checked_out_path("a/../../b"));
  EXPECT_FALSE(checked_out_path(".."));
  EXPECT_FALSE(checked_out_path(""));
  EXPECT_FALSE(checked_out_path("./"));
  EXPECT_FALSE(checked_out_path(std::string("a\0b", 3)));
  EXPECT_FALSE(checked_out_path("a\nb"));
}

TEST(BodyPathTest, BodyPathPrefersTheOutThenTheLayout) {
  EXPECT_EQ(body_path("http://h/a.csv", "x/y.csv", OutputLayout::Path), "x/y.csv");
  EXPECT_EQ(body_path("http://h/a.csv", "", OutputLayout::Path), "h/a.csv");
  EXPECT_EQ(body_path("http://h/a.csv", "", OutputLayout::Flat),
            body_path("http://h/a.csv", "", OutputLayout::Flat));
  EXPECT_EQ(body_path("http://h/a.csv", "", OutputLayout::Flat)->find('/'), std::string::npos);
  const auto refused = body_path("http://h/a", "../x", OutputLayout::Path);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "out '../x' has a '..' segment");
}

}  // namespace
}  // namespace sluice
