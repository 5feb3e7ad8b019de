// Tests for Admission on a manual clock: the order of new input and retries, per-host caps,
// rates and pauses, --rate, the in-flight cap, the bound, and the blocking form's wake-ups.
#include "admission/admission.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

using test::kStart;
const std::string kHostA = "http://a:80";
const std::string kHostB = "http://b:80";

InputItem item(std::uint64_t index, std::string host = {}) {
  InputItem result;
  result.index = index;
  result.url = "http://h/" + std::to_string(index);
  result.host = std::move(host);
  return result;
}

// A concurrency limit the test sets by hand; every sample raises it by one.
class StepLimit final : public ConcurrencyLimit {
 public:
  explicit StepLimit(std::size_t limit) : limit_(limit) {}
  std::size_t limit() const override { return limit_; }
  bool varies() const noexcept override { return true; }
  void on_sample(std::chrono::nanoseconds, std::size_t, bool, TimeSource::time_point) override {
    ++limit_;
  }

 private:
  std::atomic<std::size_t> limit_;
};

struct Fixture {
  explicit Fixture(AdmissionSettings settings = {},
                   std::unique_ptr<ConcurrencyLimit> limit = fixed_concurrency(100))
      : admission(settings, std::move(limit), clock, &live) {}
  test::ManualTimeSource clock;
  LiveCounters live;
  Admission admission;
};

// The index of the admitted item, or -1 for any other answer.
long long admitted(const Admission::Next& next) {
  const auto* item = std::get_if<Admitted>(&next);
  return item == nullptr ? -1 : static_cast<long long>(item->item.index);
}

std::optional<TimeSource::time_point> not_before(const Admission::Next& next) {
  const auto* later = std::get_if<Admission::NotBefore>(&next);
  if (later == nullptr) return std::nullopt;
  return later->at;
}

TEST(AdmissionTest, AdmitsInInputOrderAndDrainsWhenNothingIsInFlight) {
  Fixture f;
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  ASSERT_TRUE(f.admission.push(item(0)));
  ASSERT_TRUE(f.admission.push(item(1)));
  const auto first = f.admission.next(kStart);
  ASSERT_EQ(admitted(first), 0);
  EXPECT_EQ(std::get<Admitted>(first).in_flight, 1u);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  f.admission.close();
  // Closed, but a request in flight may still hand back a retry.
  f.admission.release("");
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  f.admission.release("");
  EXPECT_TRUE(std::holds_alternative<Admission::Drained>(f.admission.next(kStart)));
}

TEST(AdmissionTest, WakeupFiresOnlyAfterAnAnswerOtherThanAnItem) {
  Fixture f;
  int wakeups = 0;
  f.admission.set_wakeup([&] { ++wakeups; });
  ASSERT_TRUE(f.admission.push(item(0)));
  EXPECT_EQ(wakeups, 0);  // nobody was waiting
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), -1);
  ASSERT_TRUE(f.admission.push(item(1)));
  EXPECT_EQ(wakeups, 1);
  ASSERT_TRUE(f.admission.push(item(2)));
  EXPECT_EQ(wakeups, 1);  // one wake-up per wait
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 2);
  EXPECT_EQ(admitted(f.admission.next(kStart)), -1);
  f.admission.close();
  EXPECT_EQ(wakeups, 2);
}

TEST(AdmissionTest, NewInputWakesNoConsumerAtItsLimit) {
  Fixture f({}, fixed_concurrency(1));
  int wakeups = 0;
  f.admission.set_wakeup([&] { ++wakeups; });
  ASSERT_TRUE(f.admission.push(item(0)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  ASSERT_TRUE(f.admission.push(item(1)));
  EXPECT_EQ(wakeups, 0);  // it could start nothing
  f.admission.release("");
  EXPECT_EQ(wakeups, 1);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
}

TEST(AdmissionTest, ARetryOrAConnectEndingAtTheLimitWakesNoConsumer) {
  Fixture f({.connect_window = 4}, fixed_concurrency(2));
  f.admission.expect_connect_reports();
  int wakeups = 0;
  f.admission.set_wakeup([&] { ++wakeups; });
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  ASSERT_TRUE(f.admission.push(item(1, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  // Item 0's connect ends, and it fails and is handed back to be retried at once.
  f.admission.connect_ended(kHostA, ConnectOutcome::Connected);
  f.admission.retry(item(0, kHostA), std::chrono::seconds(0));
  EXPECT_EQ(wakeups, 0);  // two in flight of two: it could start nothing
  f.admission.release(kHostA);
  EXPECT_EQ(wakeups, 1);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
}

TEST(AdmissionTest, AProducerWaitingForRoomGoesOnOnceAQuarterOfTheBoundIsFree) {
  Fixture f({.capacity = 8});
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(f.admission.push(item(i)));
  ASSERT_TRUE(f.admission.occupancy(false).full);
  {
    std::jthread producer([&] {
      for (std::uint64_t i = 8; i < 10; ++i) ASSERT_TRUE(f.admission.push(item(i)));
    });
    EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
    EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  }  // joined: two starts of eight woke it
  for (long long i = 2; i < 10; ++i) EXPECT_EQ(admitted(f.admission.next(kStart)), i);
}

TEST(AdmissionTest, DueRetriesComeBeforeNewInputAndLaterOnesWait) {
  Fixture f;
  ASSERT_TRUE(f.admission.push(item(1)));
  f.admission.retry(item(7), 1h);
  f.admission.retry(item(5), 0s);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 5);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 1h);
  f.clock.advance(1h);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1h)), 7);
}

TEST(AdmissionTest, RetriesComeBackInDueOrder) {
  Fixture f;
  for (const std::uint64_t i : {3U, 1U, 2U}) f.admission.retry(item(i), i * 1s);
  f.admission.close();
  std::vector<long long> order;
  for (int i = 0; i < 3; ++i) order.push_back(admitted(f.admission.next(kStart + 3s)));
  EXPECT_EQ(order, (std::vector<long long>{1, 2, 3}));
}

TEST(AdmissionTest, TheInFlightCapHoldsStartsUntilARelease) {
  Fixture f({}, fixed_concurrency(2));
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.admission.push(item(i)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  f.admission.release("");
  EXPECT_EQ(admitted(f.admission.next(kStart)), 2);
}

TEST(AdmissionTest, ItemsOfAHostAtItsCapWaitAsideWhileOtherHostsGo) {
  Fixture f({.per_host = 1});
  for (std::uint64_t i : {0U, 1U, 2U}) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  ASSERT_TRUE(f.admission.push(item(3, kHostB)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 3);  // a's others are parked meanwhile
  EXPECT_EQ(f.admission.occupancy(true).parked, 2u);
  EXPECT_EQ(f.admission.occupancy(true).busiest_host, kHostA);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  f.admission.release(kHostA);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
}

TEST(AdmissionTest, StartsNoMoreThanTheConnectWindowUntilConnectsEnd) {
  Fixture f({.connect_window = 2});
  f.admission.expect_connect_reports();
  for (std::uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  // A new connection that opened makes the window one larger: two more may connect.
  f.admission.connect_ended(kHostA, ConnectOutcome::Connected);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 2);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 3);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  // A reused one frees its place only.
  f.admission.connect_ended(kHostA, ConnectOutcome::Reused);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 4);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
}

TEST(AdmissionTest, AHostAtItsConnectWindowWaitsAsideWhileOtherHostsConnect) {
  Fixture f({.connect_window = 2});
  f.admission.expect_connect_reports();
  for (std::uint64_t i : {0U, 1U}) ASSERT_TRUE(f.admission.push(item(i, kHostB)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  f.admission.connect_ended(kHostB, ConnectOutcome::Connected);
  f.admission.connect_ended(kHostB, ConnectOutcome::Connected);  // overall window: 4
  for (std::uint64_t i : {2U, 3U, 4U}) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  ASSERT_TRUE(f.admission.push(item(5, kHostB)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 2);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 3);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 5);  // a's window of 2 is full: 4 waits
  EXPECT_EQ(f.admission.occupancy(true).parked, 1u);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart)));
  f.admission.connect_ended(kHostA, ConnectOutcome::Reused);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 4);
}

TEST(AdmissionTest, AnEngineThatReportsNoConnectsIsNotPaced) {
  Fixture f({.connect_window = 1});
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  for (long long i = 0; i < 3; ++i) EXPECT_EQ(admitted(f.admission.next(kStart)), i);
}

TEST(AdmissionTest, PublishesTheParkedItemsTheWaitingRetriesAndTheCauseOfAPause) {
  Fixture f({.per_host = 1, .max_host_pause = 1h});
  for (std::uint64_t i : {0U, 1U, 2U}) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  f.admission.retry(item(7), 1h);
  EXPECT_FALSE(std::holds_alternative<Admitted>(f.admission.next(kStart)));
  EXPECT_EQ(f.live.parked.load(), 2u);
  EXPECT_EQ(f.live.waiting_to_retry.load(), 1u);
  f.admission.pause_host(kHostB, 10s);
  const auto shown = f.live.paused_host.current(std::chrono::system_clock::now());
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->cause, "Retry-After");
}

TEST(AdmissionTest, AHostPausedByRetryAfterWaitsAndOthersGo) {
  Fixture f({.per_host = 5});
  f.admission.pause_host(kHostA, 1h);
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  ASSERT_TRUE(f.admission.push(item(1, kHostB)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 1);
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 1h);
  f.clock.advance(1h);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1h)), 0);
}

TEST(AdmissionTest, AnnouncedRateSpreadsAHostsStarts) {
  Fixture f;
  // Two requests left in the next two seconds: one a second.
  f.admission.observe_rate_limit(kHostA, RateLimitInfo{.remaining = 2, .reset = 2s});
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 1s);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1s)), 0);
}

TEST(AdmissionTest, AServersPauseOrResetHoldsItsHostAtMostTheMaxHostPause) {
  Fixture f({.max_host_pause = 1s});
  const std::string c = "http://c:80";
  // "None left for 100000 s", "two left in 100000 s" and a Retry-After of an hour.
  f.admission.observe_rate_limit(kHostA, RateLimitInfo{.remaining = 0, .reset = 100000s});
  f.admission.observe_rate_limit(kHostB, RateLimitInfo{.remaining = 2, .reset = 100000s});
  f.admission.pause_host(c, 1h);
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  ASSERT_TRUE(f.admission.push(item(1, kHostB)));
  ASSERT_TRUE(f.admission.push(item(2, c)));
  // The two requests left are spread over the capped second, not over the announced day.
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 500ms);
  f.clock.advance(500ms);
  EXPECT_EQ(admitted(f.admission.next(kStart + 500ms)), 1);
  EXPECT_EQ(not_before(f.admission.next(kStart + 500ms)), kStart + 1s);
  f.clock.advance(500ms);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1s)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1s)), 2);
}

TEST(AdmissionTest, APausedHostIsShownUntilItsPauseEnds) {
  Fixture f({.max_host_pause = 1h});
  const auto before = std::chrono::system_clock::now();
  EXPECT_FALSE(f.live.paused_host.current(before));
  f.admission.pause_host(kHostA, 10s);
  f.admission.observe_rate_limit(kHostB, RateLimitInfo{.remaining = 0, .reset = 20s});
  f.admission.pause_host(kHostA, 5s);  // ends before b's: b stays the one shown
  const auto shown = f.live.paused_host.current(before);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->host, kHostB);
  EXPECT_EQ(shown->cause, "RateLimit");
  EXPECT_GE(shown->until, before + 20s);
  EXPECT_FALSE(f.live.paused_host.current(shown->until));
}

TEST(AdmissionTest, RateKeepsStartsOnTheReservedSchedule) {
  Fixture f({.rate = 10});
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.admission.push(item(i)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);  // the bucket starts full
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 100ms);
  EXPECT_EQ(f.live.waiting_for_rate.load(), 1u);
  // A late wake-up keeps the schedule: the next start is due 100 ms after the reserved one.
  EXPECT_EQ(admitted(f.admission.next(kStart + 150ms)), 1);
  EXPECT_EQ(f.live.waiting_for_rate.load(), 0u);
  EXPECT_EQ(not_before(f.admission.next(kStart + 150ms)), kStart + 200ms);
}

TEST(AdmissionTest, AHostAtItsPerHostRateWaitsAsideWhileOtherHostsGo) {
  Fixture f({.per_host_rate = 2});
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  ASSERT_TRUE(f.admission.push(item(1, kHostA)));
  ASSERT_TRUE(f.admission.push(item(2, kHostB)));
  ASSERT_TRUE(f.admission.push(item(3, kHostB)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart)), 2);  // a's next waits; b goes meanwhile
  EXPECT_EQ(f.admission.occupancy(false).parked, 1u);
  EXPECT_EQ(not_before(f.admission.next(kStart + 100ms)), kStart + 500ms);
  EXPECT_EQ(f.admission.occupancy(false).parked, 2u);  // b's next waits too
  f.clock.advance(500ms);
  EXPECT_EQ(admitted(f.admission.next(kStart + 500ms)), 1);
  EXPECT_EQ(admitted(f.admission.next(kStart + 500ms)), 3);
}

TEST(AdmissionTest, ARetryCountsAsAStartUnderThePerHostRate) {
  Fixture f({.per_host_rate = 1});
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  f.clock.advance(100ms);
  f.admission.retry(item(0, kHostA), 0s);  // failed at once; due now
  f.admission.release(kHostA);
  EXPECT_EQ(not_before(f.admission.next(kStart + 100ms)), kStart + 1s);
  EXPECT_EQ(admitted(f.admission.next(kStart + 1s)), 0);
}

TEST(AdmissionTest, AHostsIntervalBeginsWhenItsRequestGoesOut) {
  Fixture f({.per_host_rate = 4, .rate = 10});  // 250 ms per host, 100 ms between any starts
  ASSERT_TRUE(f.admission.wants_connect_reports());
  f.admission.expect_connect_reports();
  ASSERT_TRUE(f.admission.push(item(0, kHostB)));
  ASSERT_TRUE(f.admission.push(item(1, kHostA)));
  ASSERT_TRUE(f.admission.push(item(2, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(not_before(f.admission.next(kStart)), kStart + 100ms);  // a's first, for --rate
  // Woken late, a's first starts at 300 ms and waits for its connect until 400 ms: its
  // second waits for that, then 250 ms, although --rate would let it go at once and a's
  // interval from its admission has passed.
  EXPECT_EQ(admitted(f.admission.next(kStart + 300ms)), 1);
  EXPECT_TRUE(std::holds_alternative<Admission::UntilWoken>(f.admission.next(kStart + 350ms)));
  f.clock.advance(400ms);
  f.admission.connect_ended(kHostA, ConnectOutcome::Connected);
  EXPECT_EQ(not_before(f.admission.next(kStart + 400ms)), kStart + 650ms);
  EXPECT_EQ(admitted(f.admission.next(kStart + 650ms)), 2);
}

TEST(AdmissionTest, WithoutConnectReportsAHostsIntervalRunsFromItsAdmission) {
  Fixture f({.per_host_rate = 4});
  ASSERT_TRUE(f.admission.push(item(0, kHostA)));
  ASSERT_TRUE(f.admission.push(item(1, kHostA)));
  EXPECT_EQ(admitted(f.admission.next(kStart)), 0);
  EXPECT_EQ(admitted(f.admission.next(kStart + 250ms)), 1);
}

TEST(AdmissionTest, RetriesAndParkedItemsCountAgainstTheBoundButNotTheFreshOne) {
  Fixture bound({.capacity = 2});
  bound.admission.retry(item(1), 1h);
  ASSERT_TRUE(bound.admission.push(item(2)));
  EXPECT_TRUE(bound.admission.occupancy(false).full);

  Fixture fresh({.capacity = 100, .fresh_capacity = 1});
  for (std::uint64_t i = 0; i < 5; ++i) fresh.admission.retry(item(i), 1h);
  EXPECT_FALSE(fresh.admission.occupancy(false).full);  // waiting retries hold nothing back
  ASSERT_TRUE(fresh.admission.push(item(5)));
  EXPECT_TRUE(fresh.admission.occupancy(false).full);
  EXPECT_EQ(admitted(fresh.admission.next(kStart)), 5);
  EXPECT_FALSE(fresh.admission.occupancy(false).full);
}

TEST(AdmissionTest, CancelRefusesPushesAndLeavesEverythingForTakeAll) {
  Fixture f({.capacity = 2});
  ASSERT_TRUE(f.admission.push(item(0)));
  f.admission.retry(item(1), 1h);
  // Full: the push waits, and the cancel releases it with a refusal.
  std::atomic<bool> accepted{true};
  std::jthread blocked([&] { accepted = f.admission.push(item(2)); });
  f.admission.cancel();
  blocked.join();
  EXPECT_FALSE(accepted);
  EXPECT_TRUE(std::holds_alternative<Admission::Drained>(f.admission.next(kStart)));
  EXPECT_FALSE(f.admission.next_blocking({}).has_value());
  EXPECT_EQ(f.admission.take_all().size(), 2u);
}

TEST(AdmissionTest, BlockingNextSleepsUntilARetryIsDue) {
  Fixture f;
  f.admission.close();
  f.admission.retry(item(4), 30ms);
  std::jthread worker([&] {
    const auto next = f.admission.next_blocking({});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->item.index, 4u);
    f.admission.release("");
    EXPECT_FALSE(f.admission.next_blocking({}).has_value());
  });
  EXPECT_EQ(f.clock.wait_for_sleepers(1).front(), kStart + 30ms);
  f.clock.advance(30ms);
}

TEST(AdmissionTest, ABlockedWorkerWakesForNewInputAndForTheClose) {
  Fixture f;
  std::vector<std::uint64_t> taken;
  std::jthread worker([&] {
    while (auto next = f.admission.next_blocking({})) {
      taken.push_back(next->item.index);
      f.admission.release("");
    }
  });
  f.clock.wait_for_sleepers(1);
  ASSERT_TRUE(f.admission.push(item(0)));
  f.admission.close();
  worker.join();  // the close ended the worker: no clock move was needed
  EXPECT_EQ(taken, (std::vector<std::uint64_t>{0}));
}

TEST(AdmissionTest, AHigherLimitWakesAWorkerWaitingForRoom) {
  Fixture f({}, std::make_unique<StepLimit>(1));
  ASSERT_TRUE(f.admission.push(item(0)));
  ASSERT_TRUE(f.admission.push(item(1)));
  const auto first = f.admission.next_blocking({});
  ASSERT_TRUE(first);
  std::jthread worker([&] {
    const auto next = f.admission.next_blocking({});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->item.index, 1u);
    EXPECT_EQ(next->in_flight, 2u);
  });
  f.clock.wait_for_sleepers(1);
  f.admission.on_sample(1ms, 1, false);  // the limit grows to 2; nobody was released
  worker.join();
  EXPECT_EQ(f.live.limit.load(), 2u);
}

TEST(AdmissionTest, OneWorkerKeepsTheTimeOfTheNextRateStartAndTheOthersSleepUntilWoken) {
  Fixture f({.rate = 10});
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.admission.push(item(i)));
  std::atomic<int> taken{0};
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < 3; ++w) {
      workers.emplace_back([&] {
        if (f.admission.next_blocking({})) ++taken;
      });
    }
    // The first start is at once; of the two left, one sleeps until the next start and
    // the other until it is woken, so that a tick wakes one thread.
    EXPECT_EQ(f.clock.wait_for_sleepers(2),
              (std::vector<TimeSource::time_point>{kStart + 100ms, TimeSource::time_point::max()}));
    f.clock.advance(100ms);  // the timekeeper starts, and hands the watch on as it leaves
    f.clock.advance(200ms);
  }
  EXPECT_EQ(taken, 3);
}

TEST(AdmissionTest, StopEndsABlockedWorker) {
  Fixture f;
  std::stop_source stop;
  std::jthread worker([&] { EXPECT_FALSE(f.admission.next_blocking(stop.get_token())); });
  f.clock.wait_for_sleepers(1);
  stop.request_stop();
}

TEST(AdmissionTest, AWaitingWorkerSurvivesRetriesAddedMeanwhile) {
  Fixture f;
  f.admission.close();
  f.admission.retry(item(0), 200ms);
  std::jthread worker([&] {
    const auto next = f.admission.next_blocking({});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->item.index, 0u);
  });
  f.clock.wait_for_sleepers(1);
  // Enough later retries to make the heap reallocate under the waiting worker.
  for (std::uint64_t i = 1; i <= 500; ++i) f.admission.retry(item(i), 1h);
  f.clock.advance(200ms);
  worker.join();
  f.admission.cancel();
  EXPECT_EQ(f.admission.take_all().size(), 500u);
}

TEST(AdmissionTest, WorkersWaitingOnAHostEndWhenItsLastItemIsReleased) {
  Fixture f({.capacity = 10, .per_host = 1});
  for (std::uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(f.admission.push(item(i, kHostA)));
  f.admission.close();
  std::atomic<int> taken{0};
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&] {
        while (auto next = f.admission.next_blocking({})) {
          ++taken;
          f.admission.release(next->item.host);
        }
      });
    }
  }  // every worker must leave once the last item is released: a hang fails by timeout
  EXPECT_EQ(taken, 6);
}

TEST(AdmissionTest, BlockingNextSeesEveryItemOnceAcrossWorkers) {
  Fixture f({.capacity = 8});
  constexpr std::uint64_t kItems = 2000;
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::uint64_t> count{0};
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < 3; ++w) {
      workers.emplace_back([&] {
        while (auto next = f.admission.next_blocking({})) {
          sum += next->item.index;
          ++count;
          f.admission.release("");
        }
      });
    }
    for (std::uint64_t i = 0; i < kItems; ++i) ASSERT_TRUE(f.admission.push(item(i)));
    f.admission.close();
  }
  EXPECT_EQ(count, kItems);
  EXPECT_EQ(sum, kItems * (kItems - 1) / 2);
}

}  // namespace
}  // namespace sluice
