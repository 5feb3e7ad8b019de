// The connect window as the kernel and the server see it, on both engines: connects that
// wait for a full accept queue stay within the window (SYN-SENT sockets towards the port),
// and a run whose connections are open is not held back (connections and peak in flight).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/ports.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class ConnectWindowTest : public test::EngineTest {};

INSTANTIATE_TEST_SUITE_P(Engines, ConnectWindowTest, test::both_engines(), test::engine_test_name);

// The IPv4 sockets of this network namespace in SYN-SENT (state 02 of /proc/net/tcp)
// towards 127.0.0.1:`port`: connects in flight, as the kernel sees them.
std::size_t syn_sent_to(std::uint16_t port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the column names
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
  std::size_t count = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote == wanted && state == "02") ++count;
  }
  return count;
}

TEST_P(ConnectWindowTest, ConnectsToAFullAcceptQueueStayWithinTheWindow) {
  const test::FullListener listener;  // drops every SYN: no connect ever succeeds
  auto paced = options(24);
  paced.connect_window = 4;
  paced.connect_timeout = 200ms;
  paced.retries = 0;
  std::atomic<bool> done = false;
  std::size_t peak = 0;
  std::thread sampler([&] {
    // Bounded: 2,000 looks of 5 ms at most, far past the run's few seconds.
    for (int look = 0; look < 2000 && !done.load(); ++look) {
      peak = std::max(peak, syn_sent_to(listener.port()));
      std::this_thread::sleep_for(5ms);
    }
  });
  test::CollectingSink sink;
  fetch(paced, {"http://127.0.0.1:" + std::to_string(listener.port()) + "/{1..24}"}, sink);
  done = true;
  sampler.join();
  ASSERT_EQ(sink.size(), 24u);
  for (const auto& record : sink.records()) {
    ASSERT_TRUE(record.error.has_value()) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::Timeout) << record.url;
  }
  // Without the window all 24 wait at once. A read of /proc/net/tcp is not atomic: the
  // sockets of a burst of timeouts and those of the connects that replace them may both be
  // in one look (6 was seen with a window of 4, halved to 2 by the timeouts), hence twice it.
  EXPECT_GT(peak, 0u);
  EXPECT_LE(peak, 8u);
}

TEST_P(ConnectWindowTest, ARunOnOpenConnectionsIsNotHeldBack) {
  ServerConfig slow;
  slow.latency = 100ms;
  const Server server(slow);
  auto paced = options(64);
  paced.connect_window = 1;  // the smallest: 64 connects take 7 rounds
  test::CollectingSink sink;
  fetch(paced, {server.base_url() + "/todos/{1..512}"}, sink);
  ASSERT_EQ(sink.size(), 512u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  const auto stats = server.stats();
  EXPECT_EQ(stats.connections, 64u);  // every connection opened once and reused
  EXPECT_EQ(stats.peak_in_flight, 64u);
}

}  // namespace
}  // namespace sluice
