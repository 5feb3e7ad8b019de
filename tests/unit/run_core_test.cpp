// Tests for RunCore with a stand-in engine: whatever way the engine ends, every URL read
// gets a record.
#include "run_core.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "support/collecting_sink.hpp"
#include "support/sample_records.hpp"

namespace sluice {
namespace {

using namespace detail;
using test::numbered_item;

// Fetches one URL "successfully", then fails as the thread engine does when it cannot
// create all its threads: it ends admission and throws.
class FailingEngine final : public Engine {
 public:
  void run(Admission& admission, RecordSink& sink, LiveCounters&, std::stop_token stop) override {
    if (auto admitted = admission.next_blocking(stop)) {
      Record record;
      record.url = admitted->item.url;
      record.ok = true;
      admission.release(admitted->item.host);
      sink.on_record(std::move(record));
    }
    admission.cancel();
    throw std::runtime_error("no more threads");
  }
};

TEST(RunCoreTest, AnEngineThatThrowsStillLeavesARecordForEveryQueuedUrl) {
  const Options options;
  LiveCounters live;
  RunCore core(options, live, 0, std::make_unique<FailingEngine>());
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(core.admission().push(numbered_item(i)));
  core.admission().close();
  test::CollectingSink sink;
  EXPECT_THROW(core.run(sink, {}, {}), std::runtime_error);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].ok);
  for (std::size_t i = 1; i < records.size(); ++i) {
    ASSERT_TRUE(records[i].error);
    EXPECT_EQ(records[i].error->kind, ErrorKind::Cancelled);
  }
}

}  // namespace
}  // namespace sluice
