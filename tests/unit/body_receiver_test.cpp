// The write callback's decisions: the max_body cut-off, pausing or blocking for the bandwidth
// cap on a hand-moved clock, saving to a body file, and keeping the body in memory.
#include "engines/body_receiver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string_view>
#include <vector>

#include "support/manual_time_source.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

std::span<const char> bytes_of(std::string_view text) { return {text.data(), text.size()}; }

// A chunk of `length` bytes (their values do not matter).
std::span<const char> chunk(std::size_t length) {
  static const std::vector<char> zeros(1 << 16);
  return {zeros.data(), length};
}

TEST(BandwidthGateTest, IsInertUntilAFieldAsksForPacingCountingOrTelling) {
  test::ManualTimeSource clock;
  BandwidthGate gate;
  gate.clock = &clock;  // a clock alone paces nothing
  EXPECT_TRUE(gate.inert());

  std::atomic<std::uint64_t> waiting{0};
  gate.waiting = &waiting;
  EXPECT_FALSE(gate.inert());
  gate.waiting = nullptr;
  gate.end_receiving = [] {};
  EXPECT_FALSE(gate.inert());
}

TEST(BodyReceiverTest, TakesABodyUpToMaxBodyAndRefusesTheChunkBeyond) {
  BodyReceiver receiver(10, {}, nullptr);
  EXPECT_EQ(receiver.receive(chunk(6)), 6u);
  EXPECT_EQ(receiver.receive(chunk(4)), 4u);  // exactly the limit
  EXPECT_FALSE(receiver.too_large());
  EXPECT_EQ(receiver.receive(chunk(1)), 0u);
  EXPECT_TRUE(receiver.too_large());
  EXPECT_EQ(receiver.bytes(), 10u);
}

TEST(BodyReceiverTest, WithoutMaxBodyTakesEverything) {
  BodyReceiver receiver(0, {}, nullptr);
  EXPECT_EQ(receiver.receive(chunk(1 << 16)), 1u << 16);
  EXPECT_EQ(receiver.bytes(), 1u << 16);
  EXPECT_FALSE(receiver.too_large());
}

TEST(BodyReceiverTest, StartingAgainForgetsThePreviousTransfer) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  BodyReceiver receiver(4, {}, easy);
  receiver.start(std::nullopt);
  EXPECT_EQ(receiver.receive(chunk(5)), 0u);
  ASSERT_TRUE(receiver.too_large());
  receiver.start(std::nullopt);
  EXPECT_FALSE(receiver.too_large());
  EXPECT_EQ(receiver.bytes(), 0u);
  EXPECT_EQ(receiver.receive(chunk(4)), 4u);
  curl_easy_cleanup(easy);
}

// SHA-256("abc"), FIPS 180-2 appendix B.1.
constexpr std::string_view kAbcDigest =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(BodyReceiverTest, HashesTheBodyAsItIsTakenOnlyWhenAsked) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  BodyReceiver receiver(0, {}, easy);
  receiver.start(std::nullopt, /*digest=*/true);
  EXPECT_EQ(receiver.receive(bytes_of("a")), 1u);
  EXPECT_EQ(receiver.receive(bytes_of("bc")), 2u);
  EXPECT_EQ(receiver.take_digest(), kAbcDigest);
  EXPECT_EQ(receiver.take_digest(), std::nullopt);  // the digest ended
  // A new transfer hashes its own body; one started without a digest has none.
  receiver.start(std::nullopt, /*digest=*/true);
  EXPECT_EQ(receiver.receive(bytes_of("abc")), 3u);
  EXPECT_EQ(receiver.take_digest(), kAbcDigest);
  receiver.start(std::nullopt);
  EXPECT_EQ(receiver.receive(bytes_of("abc")), 3u);
  EXPECT_EQ(receiver.take_digest(), std::nullopt);
  curl_easy_cleanup(easy);
}

TEST(BodyReceiverTest, KeepsTheBodyInMemoryWhenAskedAndForgetsItOnDrop) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  BodyReceiver receiver(0, {}, easy);
  receiver.start(std::nullopt, /*digest=*/false, /*keep=*/true);
  EXPECT_EQ(receiver.receive(bytes_of("hello, ")), 7u);
  EXPECT_EQ(receiver.receive(bytes_of("world")), 5u);
  EXPECT_EQ(receiver.take_kept(), "hello, world");
  receiver.start(std::nullopt, /*digest=*/false, /*keep=*/true);
  EXPECT_EQ(receiver.receive(bytes_of("a redirect's body")), 17u);
  receiver.drop();
  EXPECT_EQ(receiver.take_kept(), "");
  receiver.start(std::nullopt);  // not asked: nothing kept
  EXPECT_EQ(receiver.receive(bytes_of("x")), 1u);
  EXPECT_EQ(receiver.take_kept(), "");
  curl_easy_cleanup(easy);
}

TEST(BodyReceiverTest, ReceivesFromTheFirstBodyByteToTheEnd) {
  int begun = 0;
  int ended = 0;
  BandwidthGate gate;
  gate.begin_receiving = [&] {
    ++begun;
    return ReceiverSlot::Taken;
  };
  gate.end_receiving = [&] { ++ended; };
  BodyReceiver receiver(0, std::move(gate), nullptr);
  receiver.end();  // a transfer that got no body never received
  EXPECT_EQ(begun + ended, 0);
  EXPECT_EQ(receiver.receive(chunk(10)), 10u);
  EXPECT_EQ(receiver.receive(chunk(10)), 10u);
  EXPECT_EQ(begun, 1);
  EXPECT_EQ(ended, 0);
  receiver.end();
  receiver.end();
  EXPECT_EQ(ended, 1);
}

TEST(BodyReceiverTest, RefusesTheBodyWhenNoReceiverComes) {
  BandwidthGate gate;
  gate.begin_receiving = [] { return ReceiverSlot::Stopped; };  // the run stopped while it waited
  gate.end_receiving = [] { ADD_FAILURE() << "ended what never began"; };
  BodyReceiver receiver(0, std::move(gate), nullptr);
  EXPECT_EQ(receiver.receive(chunk(10)), 0u);
  receiver.end();
}

// The engine that answered Busy resumes the transfer once a receiver is free: the receiver
// asks for no timed resume, which would be polling.
TEST(BodyReceiverTest, PausesWhileEveryReceiverIsBusyAndTakesTheChunkOnceOneIsFree) {
  test::ManualTimeSource clock;
  TokenBucket bucket(1e9, 1e9);
  std::vector<TimeSource::time_point> pauses;
  auto slot = ReceiverSlot::Busy;
  BandwidthGate gate;
  gate.bytes = &bucket;
  gate.on_pause = [&](CURL*, TimeSource::time_point until) { pauses.push_back(until); };
  gate.begin_receiving = [&] { return slot; };
  gate.end_receiving = [] {};
  gate.clock = &clock;
  CURL* easy = curl_easy_init();
  BodyReceiver receiver(0, std::move(gate), easy);
  receiver.start(std::nullopt);
  EXPECT_EQ(receiver.receive(chunk(10)), std::size_t{CURL_WRITEFUNC_PAUSE});
  EXPECT_TRUE(pauses.empty());
  EXPECT_EQ(receiver.bytes(), 0u);
  slot = ReceiverSlot::Taken;
  EXPECT_EQ(receiver.receive(chunk(10)), 10u);
  EXPECT_EQ(receiver.bytes(), 10u);
  receiver.end();
  curl_easy_cleanup(easy);
}

TEST(BodyReceiverTest, PausesAChunkTheCapCannotPayAndTakesItOnResume) {
  test::ManualTimeSource clock;
  TokenBucket bucket(1000, 100);  // 1000 B/s, starts with 100 B
  std::atomic<std::uint64_t> waiting{0};
  std::vector<TimeSource::time_point> pauses;
  BandwidthGate gate;
  gate.bytes = &bucket;
  gate.on_pause = [&](CURL*, TimeSource::time_point until) { pauses.push_back(until); };
  gate.waiting = &waiting;
  gate.clock = &clock;
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  BodyReceiver receiver(0, std::move(gate), easy);
  receiver.start(std::nullopt);

  EXPECT_EQ(receiver.receive(chunk(100)), 100u);  // the burst pays for it
  EXPECT_EQ(receiver.receive(chunk(50)), std::size_t{CURL_WRITEFUNC_PAUSE});
  ASSERT_EQ(pauses.size(), 1u);
  EXPECT_EQ(pauses[0], test::kStart + 50ms);
  EXPECT_EQ(waiting.load(), 1u);
  EXPECT_EQ(receiver.bytes(), 100u);

  clock.advance(50ms);
  EXPECT_EQ(receiver.receive(chunk(50)), 50u);  // reserved when first offered
  EXPECT_EQ(pauses.size(), 1u);
  EXPECT_EQ(waiting.load(), 0u);
  EXPECT_EQ(receiver.bytes(), 150u);
  curl_easy_cleanup(easy);
}

TEST(BodyReceiverTest, AnEndWhilePausedLeavesTheWaitingGauge) {
  test::ManualTimeSource clock;
  TokenBucket bucket(1000, 100);
  std::atomic<std::uint64_t> waiting{0};
  BandwidthGate gate;
  gate.bytes = &bucket;
  gate.on_pause = [](CURL*, TimeSource::time_point) {};
  gate.waiting = &waiting;
  gate.clock = &clock;
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  BodyReceiver receiver(0, std::move(gate), easy);
  receiver.start(std::nullopt);
  EXPECT_EQ(receiver.receive(chunk(200)), std::size_t{CURL_WRITEFUNC_PAUSE});
  EXPECT_EQ(waiting.load(), 1u);
  receiver.end();
  EXPECT_EQ(waiting.load(), 0u);
  curl_easy_cleanup(easy);
}

TEST(BodyReceiverTest, ABlockingGateRefusesAChunkOnceTheRunStops) {
  test::ManualTimeSource clock;
  TokenBucket bucket(1000, 100);
  std::atomic<std::uint64_t> waiting{0};
  std::stop_source stop;
  stop.request_stop();
  BandwidthGate gate;
  gate.bytes = &bucket;
  gate.stop = stop.get_token();
  gate.waiting = &waiting;
  gate.clock = &clock;
  BodyReceiver receiver(0, std::move(gate), nullptr);

  EXPECT_EQ(receiver.receive(chunk(100)), 100u);  // paid at once, no wait to stop
  EXPECT_EQ(receiver.receive(chunk(50)), 0u);     // would wait: the stop ends the transfer
  EXPECT_EQ(receiver.bytes(), 100u);
  EXPECT_FALSE(receiver.too_large());
  EXPECT_EQ(waiting.load(), 0u);
}

// A slot of a run with -o DIR: a receiver on its own easy handle, saving into a temporary
// directory. Filled by start_saving().
struct SavingSlot {
  SavingSlot() = default;
  SavingSlot(const SavingSlot&) = delete;
  SavingSlot& operator=(const SavingSlot&) = delete;
  ~SavingSlot() {
    receiver.reset();  // before the handle it points at
    if (easy != nullptr) curl_easy_cleanup(easy);
  }

  test::TempDir dir;
  std::optional<OutputDir> out;
  CURL* easy = nullptr;
  std::optional<BodyReceiver> receiver;
};

// Starts `slot`'s receiver on a transfer whose body it saves; fails the calling test (use
// ASSERT_NO_FATAL_FAILURE) if a part cannot be made.
void start_saving(SavingSlot& slot) {
  auto out = OutputDir::open(slot.dir.path());
  ASSERT_TRUE(out) << out.error();
  slot.out.emplace(std::move(*out));
  auto body = BodyFile::create(*slot.out, "http://example.com/a", 1);
  ASSERT_TRUE(body) << body.error();
  slot.easy = curl_easy_init();
  ASSERT_NE(slot.easy, nullptr);
  slot.receiver.emplace(0, BandwidthGate{}, slot.easy);
  slot.receiver->start(std::move(*body));
}

TEST(BodyReceiverTest, SavesTheBodyItTakesAndCommitsIt) {
  SavingSlot slot;
  ASSERT_NO_FATAL_FAILURE(start_saving(slot));
  BodyReceiver& receiver = *slot.receiver;
  ASSERT_TRUE(receiver.saving());
  EXPECT_EQ(receiver.receive(bytes_of("hello, ")), 7u);
  EXPECT_EQ(receiver.receive(bytes_of("world")), 5u);
  const auto saved = receiver.commit();
  ASSERT_TRUE(saved) << saved.error();
  EXPECT_FALSE(receiver.saving());
  EXPECT_EQ(test::read_file(*saved), "hello, world");
}

TEST(BodyReceiverTest, ADroppedBodyLeavesNoFile) {
  SavingSlot slot;
  ASSERT_NO_FATAL_FAILURE(start_saving(slot));
  BodyReceiver& receiver = *slot.receiver;
  EXPECT_EQ(receiver.receive(bytes_of("partial")), 7u);
  receiver.drop();
  EXPECT_FALSE(receiver.saving());
  EXPECT_TRUE(std::filesystem::is_empty(slot.dir.path()));
}

}  // namespace
}  // namespace sluice
