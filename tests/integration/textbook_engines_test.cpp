// The textbook engines (tools/sluice/textbook/) against the embedded server: both cut the list
// into chunks of len / N, fetch every URL once on a connection of its own, and keep at most N
// requests in flight while the chunks are N; the permits design keeps N with more chunks too.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "support/child_process.hpp"
#include "support/collecting_sink.hpp"
#include "textbook/textbook_chunks.hpp"
#include "textbook/textbook_run.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using test::CollectingSink;

constexpr std::size_t kTextbookN = 10;

Options with_concurrency(std::size_t concurrency) {
  Options options;
  options.concurrency = concurrency;
  return options;
}

// The chunks' sizes, in order.
std::vector<std::size_t> chunk_sizes(std::size_t count, std::size_t n) {
  const auto chunks = detail::textbook_chunks(count, n);
  std::vector<std::size_t> sizes;
  for (const auto chunk : chunks.value()) {
    sizes.push_back(chunk.end - chunk.begin);
  }
  return sizes;
}

TEST(TextbookChunksTest, CutsConsecutiveChunksOfLenDividedByN) {
  EXPECT_EQ(chunk_sizes(200, kTextbookN), std::vector<std::size_t>(10, 20));
  std::vector<std::size_t> eleven(10, 20);
  eleven.push_back(5);
  EXPECT_EQ(chunk_sizes(205, kTextbookN), eleven);
  EXPECT_EQ(chunk_sizes(19, kTextbookN), std::vector<std::size_t>(19, 1));
  const auto chunks = detail::textbook_chunks(23, 4).value();
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[1].begin, 5u);
  EXPECT_EQ(chunks[4].begin, 20u);
  EXPECT_EQ(chunks[4].end, 23u);
}

TEST(TextbookChunksTest, FewerItemsThanNMakeAChunkSizeOfZeroWhichIsAnError) {
  for (const std::size_t count : {0u, 5u, 9u}) {
    const auto chunks = detail::textbook_chunks(count, kTextbookN);
    ASSERT_FALSE(chunks.has_value()) << count;
    EXPECT_NE(chunks.error().find("n must be at least one"), std::string::npos) << chunks.error();
  }
}

TEST(TextbookEngineTest, EachDesignFetchesEveryUrlOnceOnAConnectionOfItsOwnWithinTheCap) {
  for (const auto design : {textbook::Design::StaticSlices, textbook::Design::SlicePermits}) {
    Server server(ServerConfig{.latency = 20ms});
    CollectingSink sink;
    textbook::fetch(design, with_concurrency(kTextbookN), {server.base_url() + "/todos/{1..200}"},
                    sink);
    EXPECT_EQ(sink.size(), 200u);
    EXPECT_EQ(server.stats().requests, 200u);
    EXPECT_EQ(server.stats().connections, 200u);  // a throwaway client per URL
    EXPECT_LE(server.stats().peak_in_flight, kTextbookN);
  }
}

// 205 URLs make 11 chunks of at most 20 for 10 permits: the eleventh task waits for a permit,
// which a task gives back only when its whole chunk is done, so the server never holds more
// than 10 requests (the latency is long enough that 11 concurrent chunks would show as 11).
TEST(TextbookEngineTest, ChunkPermitsKeepTheCapWhenThereAreMoreChunksThanPermits) {
  Server server(ServerConfig{.latency = 50ms});
  CollectingSink sink;
  textbook::fetch(textbook::Design::SlicePermits, with_concurrency(kTextbookN),
                  {server.base_url() + "/todos/{1..205}"}, sink);
  EXPECT_EQ(sink.size(), 205u);
  EXPECT_EQ(server.stats().requests, 205u);
  EXPECT_EQ(server.stats().connections, 205u);
  EXPECT_LE(server.stats().peak_in_flight, kTextbookN);
}

// The design's barrier of N + 1 parties hangs with 11 chunks; the engine's barrier counts
// the chunks, so `sluice --engine textbook-slices` ends. A thread per chunk: 11 in flight.
TEST(TextbookEngineTest, StaticSlicesEndWhenThereAreMoreChunksThanN) {
  Server server(ServerConfig{.latency = 20ms});
  const auto result = test::run_child(
      SLUICE_BINARY,
      {"-q", "--engine", "textbook-slices", "-c", "10", server.base_url() + "/todos/{1..205}"}, {},
      60s);
  EXPECT_FALSE(result.timed_out) << result.err;
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(server.stats().requests, 205u);
  EXPECT_EQ(server.stats().connections, 205u);
  EXPECT_LE(server.stats().peak_in_flight, kTextbookN + 1);
}

TEST(TextbookEngineTest, FewerUrlsThanTheConcurrencyAreRefusedBeforeAnyFetch) {
  for (const auto design : {textbook::Design::StaticSlices, textbook::Design::SlicePermits}) {
    Server server(ServerConfig{});
    CollectingSink sink;
    try {
      textbook::fetch(design, with_concurrency(kTextbookN), {server.base_url() + "/todos/{1..5}"},
                      sink);
      ADD_FAILURE() << "no UsageError";
    } catch (const UsageError& error) {
      EXPECT_STREQ(error.option(), "concurrency");
      EXPECT_NE(std::string(error.what()).find("n must be at least one"), std::string::npos)
          << error.what();
    }
    EXPECT_EQ(server.stats().requests, 0u);
  }
}

TEST(TextbookEngineTest, FlowControlOptionsAreRefusedNamingTheOption) {
  CollectingSink sink;
  Options options = with_concurrency(4);
  options.per_host = 2;
  try {
    textbook::fetch(textbook::Design::StaticSlices, options, {"http://127.0.0.1:9/"}, sink);
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.option(), "per_host");
  }
  EXPECT_EQ(sink.size(), 0u);
}

}  // namespace
}  // namespace sluice
