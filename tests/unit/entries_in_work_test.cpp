// A worker's entries in work and the job-wide host leases they hold: an entry is in work at
// most once per worker, and each taking of an entry holds a lease member of its own.
#include "worker/entries_in_work.hpp"

#include <gtest/gtest.h>

#include "worker/job_hosts.hpp"

namespace sluice::detail {
namespace {

TEST(EntriesInWorkTest, AnEntryIsInWorkOnceUntilTaken) {
  EntriesInWork in_work;
  const auto first = in_work.add("1-0");
  ASSERT_TRUE(first);
  EXPECT_FALSE(in_work.add("1-0")) << "a claim took back an entry in work here";
  EXPECT_EQ(in_work.size(), 1U);
  const auto taken = in_work.take(*first);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->id, "1-0");
  EXPECT_EQ(taken->index, *first);
  const auto again = in_work.add("1-0");
  ASSERT_TRUE(again) << "taken (its record on the way), it may be claimed again";
  EXPECT_NE(*again, *first);
}

TEST(EntriesInWorkTest, KeepsTheHostLeaseOfEachEntry) {
  EntriesInWork in_work;
  const auto leased = *in_work.add("1-0");
  const auto free = *in_work.add("2-0");
  in_work.set_host_lease(leased, "sluice:{j}:host:a");
  const auto entries = in_work.entries();
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].host_lease, "sluice:{j}:host:a");
  EXPECT_EQ(entries[1].host_lease, "");
  EXPECT_EQ(in_work.take(free)->host_lease, "");
}

TEST(JobHostLeasesTest, EachTakingOfAnEntryHoldsAMemberOfItsOwn) {
  const EntryInWork first{.id = "7-0", .index = 3, .host_lease = "k"};
  const EntryInWork again{.id = "7-0", .index = 9, .host_lease = "k"};
  EXPECT_NE(host_lease_member("w1", first), host_lease_member("w1", again));
  EXPECT_NE(host_lease_member("w1", first), host_lease_member("w2", first));
}

TEST(JobHostLeasesTest, RenewsOnlyTheEntriesHoldingALease) {
  const std::vector<EntryInWork> entries{
      {.id = "1-0", .index = 0, .host_lease = "sluice:{j}:host:a"},
      {.id = "2-0", .index = 1, .host_lease = ""}};
  const auto renewal = host_lease_renewal(entries, "w1", std::chrono::seconds(3));
  ASSERT_TRUE(renewal);
  const RedisCommand& command = *renewal;
  ASSERT_EQ(command.size(), 6U);  // EVAL, script, 1 key, the key, the lease, one member
  EXPECT_EQ(command[2], "1");
  EXPECT_EQ(command[3], "sluice:{j}:host:a");
  EXPECT_EQ(command[4], "3000");
  EXPECT_EQ(command[5], host_lease_member("w1", entries[0]));
  EXPECT_FALSE(host_lease_renewal({entries[1]}, "w1", std::chrono::seconds(3)));
}

}  // namespace
}  // namespace sluice::detail
