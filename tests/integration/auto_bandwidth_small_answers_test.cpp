// --max-bandwidth auto with answers of a few hundred bytes, as the server sees it on both
// engines: every slot keeps a request in flight. Each start used to be charged a whole
// window, drained at the starting pace before the next, and refunded only at its end, so
// such answers ran about one at a time and never showed the controller a rate that would
// widen the ramp (docs/link.md, "Small answers under auto").
#include <gtest/gtest.h>

#include <chrono>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class AutoBandwidthSmallAnswersTest : public test::EngineTest {};

INSTANTIATE_TEST_SUITE_P(Engines, AutoBandwidthSmallAnswersTest, test::both_engines(),
                         test::engine_test_name);

TEST_P(AutoBandwidthSmallAnswersTest, EverySlotKeepsARequestInFlight) {
  // The server's wait holds each request long enough for all slots to be seen at once.
  ServerConfig slow;
  slow.latency = 20ms;
  const Server server(slow);
  auto run = options(20);
  run.adaptive_bandwidth = true;
  test::CollectingSink sink;
  fetch(run, {server.base_url() + "/todos/{1..200}"}, sink);
  ASSERT_EQ(sink.size(), 200u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  const auto stats = server.stats();
  EXPECT_EQ(stats.connections, 20u);
  // Before the fix the server saw 3 or 4 at once.
  EXPECT_EQ(stats.peak_in_flight, 20u);
}

}  // namespace
}  // namespace sluice
