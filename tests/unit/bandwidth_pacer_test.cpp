// Tests for the bandwidth helpers: the burst size, and a transfer's
// reserve-then-pause protocol against a shared byte bucket.
#include "limit/bandwidth_pacer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

using test::kStart;
constexpr double kMiB = 1024.0 * 1024;

TEST(BandwidthPacerTest, DefaultBurstIsTwentyMillisecondsAndAtLeastOneChunk) {
  EXPECT_EQ(default_burst(100 * 1024), 16 * 1024);
  EXPECT_DOUBLE_EQ(default_burst(100 * kMiB), 2 * kMiB);
}

TEST(BandwidthPacerTest, ChunkWithinTheBurstPassesAtOnce) {
  TokenBucket bytes(1000, 1000);
  BandwidthPacer pacer(bytes);
  EXPECT_EQ(pacer.pause_until(600, kStart), std::nullopt);
  EXPECT_EQ(pacer.pause_until(400, kStart), std::nullopt);
  EXPECT_EQ(pacer.pause_until(100, kStart), kStart + 100ms);
}

TEST(BandwidthPacerTest, PausedChunkPassesWhenHandedAgain) {
  TokenBucket bytes(1000, 500);
  BandwidthPacer pacer(bytes);
  ASSERT_EQ(pacer.pause_until(500, kStart), std::nullopt);
  const auto resume = pacer.pause_until(300, kStart);
  EXPECT_EQ(resume, kStart + 300ms);
  // libcurl hands the same 300 bytes after the unpause: already paid for.
  EXPECT_EQ(pacer.pause_until(300, kStart + 300ms), std::nullopt);
  EXPECT_DOUBLE_EQ(bytes.available(kStart + 300ms), 0);
  // Handed in two pieces, or with more behind them, only the new bytes are reserved.
  ASSERT_EQ(pacer.pause_until(200, kStart + 300ms), kStart + 500ms);
  EXPECT_EQ(pacer.pause_until(150, kStart + 500ms), std::nullopt);
  EXPECT_EQ(pacer.pause_until(250, kStart + 500ms), kStart + 700ms);  // 50 prepaid + 200 new
}

TEST(BandwidthPacerTest, TransfersSharingTheCapResumeInTurnAndStayUnderIt) {
  constexpr double kRate = 20 * kMiB;
  constexpr std::size_t kChunk = 16 * 1024;
  TokenBucket bytes(kRate, default_burst(kRate));
  std::vector<BandwidthPacer> pacers(8, BandwidthPacer(bytes));
  std::vector<TimeSource::time_point> resume_at(pacers.size(), kStart);
  // An event loop in miniature: every transfer offers a chunk whenever it may run.
  double delivered = 0;
  auto now = kStart;
  for (; now < kStart + 2s; now += 1ms) {
    for (std::size_t i = 0; i < pacers.size(); ++i) {
      while (resume_at[i] <= now) {
        const auto pause = pacers[i].pause_until(kChunk, now);
        if (pause) {
          resume_at[i] = *pause;
          break;
        }
        delivered += kChunk;
      }
    }
    const double allowed =
        default_burst(kRate) + kRate * std::chrono::duration<double>(now - kStart).count();
    ASSERT_LE(delivered, allowed + 1e-6);
  }
  // And no slower: all but the last chunk or so of each transfer got through.
  EXPECT_GE(delivered,
            default_burst(kRate) + 2 * kRate - static_cast<double>(kChunk * pacers.size()));
}

}  // namespace
}  // namespace sluice
