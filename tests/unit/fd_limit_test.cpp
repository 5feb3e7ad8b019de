// A want of descriptors is told from other failures, by errno and by the words of a message.
#include "fd_limit.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace sluice {
namespace {

using namespace detail;

TEST(FdLimitTest, EmfileAndEnfileAreShortages) {
  EXPECT_TRUE(is_descriptor_shortage(EMFILE));
  EXPECT_TRUE(is_descriptor_shortage(ENFILE));
  EXPECT_FALSE(is_descriptor_shortage(ENOSPC));
  EXPECT_FALSE(is_descriptor_shortage(0));
}

TEST(FdLimitTest, AMessageEndingWithTheReasonTellsOfAShortage) {
  EXPECT_TRUE(tells_of_descriptor_shortage("cannot create d/.x.part-1-2: Too many open files"));
  EXPECT_TRUE(tells_of_descriptor_shortage("eventfd: Too many open files in system"));
  EXPECT_FALSE(
      tells_of_descriptor_shortage("cannot create d/.x.part-1-2: No space left on device"));
  // A list named after the reason that fails for another one waits for nothing.
  EXPECT_FALSE(tells_of_descriptor_shortage(
      "cannot read list file 'Too many open files': not a regular file"));
}

TEST(FdLimitTest, AProcessWithDescriptorsFreeIsNotOutOfThem) {
  EXPECT_FALSE(out_of_descriptors_now());
}

}  // namespace
}  // namespace sluice
