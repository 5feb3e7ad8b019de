// The textbook engines (tools/sluice/textbook/) against the embedded server: each fetches every
// URL once, and the permits design breaks the cap it was meant to keep.
#include <gtest/gtest.h>

#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "support/collecting_sink.hpp"
#include "textbook/textbook_run.hpp"

namespace sluice {
namespace {

using test::CollectingSink;

Options with_concurrency(std::size_t concurrency) {
  Options options;
  options.concurrency = concurrency;
  return options;
}

TEST(TextbookEngineTest, StaticSlicesFetchEveryUrlOnceWithinTheCap) {
  Server server(ServerConfig{});
  CollectingSink sink;
  // 23 URLs over 4 slices: a remainder, which the slicing must not turn into a 5th slice.
  textbook::fetch(textbook::Design::StaticSlices, with_concurrency(4),
                  {server.base_url() + "/todos/{1..23}?delay=20ms"}, sink);
  EXPECT_EQ(sink.size(), 23u);
  EXPECT_EQ(server.stats().requests, 23u);
  EXPECT_EQ(server.stats().peak_in_flight, 4u);
}

TEST(TextbookEngineTest, SlicePermitsPutEveryUrlInFlightAtOnce) {
  Server server(ServerConfig{});
  CollectingSink sink;
  textbook::fetch(textbook::Design::SlicePermits, with_concurrency(4),
                  {server.base_url() + "/todos/{1..40}?delay=200ms"}, sink);
  EXPECT_EQ(sink.size(), 40u);
  EXPECT_EQ(server.stats().peak_in_flight, 40u);  // the "cap" of 4 permits limited nothing
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
