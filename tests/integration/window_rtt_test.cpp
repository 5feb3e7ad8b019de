// The window budget learns the path's round trip from the sockets the transfers open: the
// first body bytes of a transfer on a new connection tell it that socket's tcpi_min_rtt.
// libcurl reports no socket for a transfer while it runs (CURLINFO_ACTIVESOCKET is -1 until
// it ends), so a receiver that asked libcurl never learned one, and the budget kept its
// default round trip in every run (docs/link.md).
#include <gtest/gtest.h>

#include <chrono>
#include <utility>

#include "engines/curl_transfer.hpp"
#include "limit/window_budget.hpp"
#include "server/server.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

TEST(WindowRttTest, TheFirstBodyBytesTellTheBudgetTheRoundTripOfTheSocketTheTransferOpened) {
  Server server({});
  WindowBudget budget(1e6, 4);
  ASSERT_EQ(budget.base_rtt(), 0us);
  const Options options;
  const RunResources resources;
  BandwidthGate gate;
  gate.window = &budget;
  CurlTransfer transfer(options, resources, std::move(gate));
  InputItem item;
  item.url = server.base_url() + "/bytes/65536";
  item.fetch_url = item.url;
  item.source = "arg:1";
  ASSERT_FALSE(transfer.prepare(std::move(item)));
  ASSERT_EQ(curl_easy_perform(transfer.handle()), CURLE_OK);
  const Record record = transfer.finish(CURLE_OK);
  EXPECT_EQ(record.status, 200);
  EXPECT_EQ(server.stats().connections, 1u);
  EXPECT_GT(budget.base_rtt(), 0us);
}

}  // namespace
}  // namespace sluice
