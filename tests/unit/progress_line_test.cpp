// The progress line and what it says holds a run back, from fixed snapshots.
#include "output/progress_line.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

std::string_view flag(std::string_view option) {
  if (option == "rate") return "--rate";
  if (option == "max_bandwidth") return "--max-bandwidth";
  return option;
}

TEST(FormatBytesTest, UsesBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(20ull * 1024 * 1024), "20.0 MiB");
}

TEST(FormatWaitTest, RoundsUpToWholeSecondsAndUsesMinutesAndHours) {
  EXPECT_EQ(format_wait(0), "0 s");
  EXPECT_EQ(format_wait(0.2), "1 s");
  EXPECT_EQ(format_wait(59), "59 s");
  EXPECT_EQ(format_wait(200), "3 min 20 s");
  EXPECT_EQ(format_wait(2 * 3600 + 5 * 60 + 1), "2 h 05 min");
  EXPECT_EQ(format_wait(-3), "0 s");
}

ProgressSnapshot running() {
  ProgressSnapshot snapshot;
  snapshot.done = 120;
  snapshot.failed = 2;
  snapshot.in_flight = 10;
  snapshot.rate_per_s = 195.26;
  snapshot.elapsed_s = 0.61;
  return snapshot;
}

TEST(FormatProgressTest, ShowsTotalPercentageAndEtaOnlyOnceTheTotalIsKnown) {
  ProgressSnapshot snapshot = running();
  EXPECT_EQ(format_progress(snapshot),
            "120 done · 195.3/s · 0 B · 2 failed · 10 in flight · 0.6 s");
  snapshot.total = 200;
  snapshot.rate_per_s = 20;  // 80 left: 4 s
  EXPECT_EQ(format_progress(snapshot),
            "120/200 done (60 %) · 20.0/s · 0 B · 2 failed · 10 in flight · 0.6 s · ETA 4 s");
}

TEST(FormatProgressTest, HasNoEtaWithoutARateOrWhenDone) {
  ProgressSnapshot snapshot = running();
  snapshot.total = 200;
  snapshot.rate_per_s = 0;
  EXPECT_EQ(format_progress(snapshot).find("ETA"), std::string::npos);
  snapshot.done = 200;
  snapshot.rate_per_s = 10;
  const std::string line = format_progress(snapshot);
  EXPECT_EQ(line.find("ETA"), std::string::npos) << line;
  EXPECT_EQ(line.rfind("200/200 done (100 %)", 0), 0u) << line;
  snapshot.done = 199;  // rounded down: not 100 % before the end
  EXPECT_EQ(format_progress(snapshot).rfind("199/200 done (99 %)", 0), 0u);
  snapshot.total = 0;
  snapshot.done = 0;
  EXPECT_EQ(format_progress(snapshot).rfind("0/0 done ·", 0), 0u);
}

TEST(FormatProgressTest, ShowsTheLiveCapOfAutoConcurrency) {
  ProgressSnapshot snapshot = running();
  snapshot.limit = 14;
  const std::string line = format_progress(snapshot);
  EXPECT_NE(line.find("· 10 of 14 in flight ·"), std::string::npos) << line;
}

TEST(FormatProgressTest, NamesAPausedHostTheHeaderAndHowLongItWaits) {
  ProgressSnapshot snapshot = running();
  EXPECT_EQ(format_progress(snapshot).find("paused"), std::string::npos);
  snapshot.in_flight = 0;
  snapshot.total = 200;
  snapshot.held_back.paused_host = "http://api.example:443";
  snapshot.held_back.paused_cause = "Retry-After";
  snapshot.held_back.paused_for_s = 0.4;
  std::string line = format_progress(snapshot);
  EXPECT_TRUE(line.ends_with(" · paused: Retry-After from http://api.example:443 for 1 s")) << line;
  snapshot.held_back.paused_cause.clear();
  line = format_progress(snapshot);
  EXPECT_TRUE(line.ends_with(" · paused: http://api.example:443 for 1 s")) << line;
}

TEST(FormatHeldBackTest, NamesEachReasonWithTheOptionsAsTheCallerNamesThem) {
  HeldBack held;
  EXPECT_EQ(format_held_back(held), "");
  held.waiting_for_rate = true;
  EXPECT_EQ(format_held_back(held), "waiting for rate");
  EXPECT_EQ(format_held_back(held, flag), "waiting for --rate");
  held.waiting_for_bandwidth = 3;
  held.parked = 1;
  held.waiting_to_retry = 2;
  held.paused_host = "http://a:80";
  held.paused_cause = "RateLimit";
  held.paused_for_s = 200;
  EXPECT_EQ(format_held_back(held, flag),
            "paused: RateLimit from http://a:80 for 3 min 20 s · 3 waiting for --max-bandwidth · "
            "waiting for --rate · 1 URL parked behind their host · 2 retries waiting");
  held = HeldBack{};
  held.parked = 40;
  held.waiting_to_retry = 1;
  EXPECT_EQ(format_held_back(held), "40 URLs parked behind their host · 1 retry waiting");
}

TEST(FormatProgressTest, SaysItWaitsForInputWhenNothingIsInFlightOrHeldBack) {
  ProgressSnapshot snapshot = running();
  snapshot.in_flight = 0;
  EXPECT_TRUE(format_progress(snapshot).ends_with(" · waiting for input"));
  snapshot.held_back.waiting_for_rate = true;
  EXPECT_TRUE(format_progress(snapshot, flag).ends_with(" · waiting for --rate"));
  // With the whole input read, nothing in flight and nothing held back is the end.
  snapshot.held_back = HeldBack{};
  snapshot.total = 120;
  EXPECT_EQ(format_progress(snapshot).find("waiting"), std::string::npos);
}

TEST(HeldBackTest, ReadsTheLiveGaugesAndTheTimeLeftOfAPause) {
  LiveCounters live;
  const auto now = std::chrono::system_clock::now();
  live.waiting_for_rate = 1;
  live.waiting_for_bandwidth = 2;
  live.parked = 3;
  live.waiting_to_retry = 4;
  live.paused_host.offer("http://a:80", now + std::chrono::seconds(12), "Retry-After");
  const HeldBack held = held_back(live, now);
  EXPECT_TRUE(held.waiting_for_rate);
  EXPECT_EQ(held.waiting_for_bandwidth, 2u);
  EXPECT_EQ(held.parked, 3u);
  EXPECT_EQ(held.waiting_to_retry, 4u);
  EXPECT_EQ(held.paused_host, "http://a:80");
  EXPECT_EQ(held.paused_cause, "Retry-After");
  EXPECT_DOUBLE_EQ(held.paused_for_s, 12.0);
  EXPECT_EQ(held_back(live, now + std::chrono::seconds(12)).paused_host, "");
}

}  // namespace
}  // namespace sluice
