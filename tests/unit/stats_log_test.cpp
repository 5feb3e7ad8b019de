// --stats-log lines: the names and order the plotting scripts read, null latencies, whole lines.
#include "output/stats_log.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

TEST(StatsLineTest, HasTheDocumentedFieldsInOrderOnOneLine) {
  const StatsLine line{.t_ms = 1200,
                       .in_flight = 10,
                       .limit = 14,
                       .records = 230,
                       .ok = 229,
                       .bytes = 19090,
                       .p50_ms = 50.3,
                       .p99_ms = 52.1234567};
  EXPECT_EQ(format_stats_line(line),
            "{\"t_ms\":1200,\"in_flight\":10,\"limit\":14,\"records\":230,\"ok\":229,"
            "\"bytes\":19090,\"p50_ms\":50.3,\"p99_ms\":52.123}\n");
}

TEST(StatsLineTest, AutoBandwidthAddsTheLearnedLinkRate) {
  const StatsLine line{.t_ms = 100, .link_rate = 2'450'000};
  EXPECT_EQ(format_stats_line(line),
            "{\"t_ms\":100,\"in_flight\":0,\"limit\":0,\"records\":0,\"ok\":0,\"bytes\":0,"
            "\"p50_ms\":null,\"p99_ms\":null,\"link_rate\":2450000}\n");
}

TEST(StatsLineTest, NoRecordsInTheIntervalIsNull) {
  EXPECT_EQ(format_stats_line(StatsLine{}),
            "{\"t_ms\":0,\"in_flight\":0,\"limit\":0,\"records\":0,\"ok\":0,\"bytes\":0,"
            "\"p50_ms\":null,\"p99_ms\":null}\n");
}

TEST(StatsLogTest, TruncatesThenAppendsWholeLines) {
  const test::TempDir dir;
  const auto path = dir.write("stats.jsonl", "old content\n");
  {
    auto log = StatsLog::open(path);
    ASSERT_TRUE(log) << log.error();
    ASSERT_TRUE(log->append(StatsLine{.t_ms = 100}));
    ASSERT_TRUE(log->append(StatsLine{.t_ms = 200}));
  }
  EXPECT_EQ(test::read_file(path),
            format_stats_line(StatsLine{.t_ms = 100}) + format_stats_line(StatsLine{.t_ms = 200}));
}

TEST(StatsLogTest, AnUnwritablePathIsAnErrorNamingIt) {
  const auto log = StatsLog::open("/nonexistent-dir/stats.jsonl");
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().find("/nonexistent-dir/stats.jsonl"), std::string::npos) << log.error();
}

}  // namespace
}  // namespace sluice
