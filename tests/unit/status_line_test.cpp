#include "watch/status_line.hpp"

#include <gtest/gtest.h>

namespace sluice::detail {
namespace {

TEST(WatchStatusLineTest, ShowsJobsInFlightAndRate) {
  EXPECT_EQ(format_watch_status(WatchSnapshot{.queued = 1,
                                              .running = 2,
                                              .done = 5,
                                              .failed = 0,
                                              .in_flight = 50,
                                              .rate_per_s = 950.26}),
            "jobs: 1 queued · 2 running · 5 done · 0 failed · 50 in flight · 950.3 req/s");
}

TEST(WatchStatusLineTest, NamesPausedJobsOnlyWhenThereAreSome) {
  EXPECT_EQ(format_watch_status(WatchSnapshot{.queued = 0,
                                              .running = 1,
                                              .done = 2,
                                              .failed = 0,
                                              .paused = 1,
                                              .in_flight = 3,
                                              .rate_per_s = 0}),
            "jobs: 0 queued · 1 running · 1 paused · 2 done · 0 failed · 3 in flight · 0.0 req/s");
}

TEST(WatchStatusLineTest, EndsWithWhatHoldsTheJobsBack) {
  WatchSnapshot snapshot{.queued = 0, .running = 1, .done = 0, .failed = 0, .in_flight = 0};
  snapshot.held_back.waiting_to_retry = 2;
  EXPECT_EQ(format_watch_status(snapshot),
            "jobs: 0 queued · 1 running · 0 done · 0 failed · 0 in flight · 0.0 req/s · 2 retries "
            "waiting");
}

}  // namespace
}  // namespace sluice::detail
