// RunRecorder: every record is summarised, and the first failed write is reported once.
#include "output/run_recorder.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

#include "support/sample_records.hpp"

namespace sluice {
namespace {

using namespace detail;

using test::numbered_record;

// Enough records that their lines pass the writer's batch size and are written at once.
constexpr std::uint64_t kRecordsPastOneBatch = 2000;

TEST(RunRecorderTest, ReportsTheFirstFailedWriteOnceAndKeepsCounting) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);  // every write fails: ENOSPC
  ASSERT_GE(fd, 0);
  int reports = 0;
  {
    ResultsWriter writer(fd);
    RunRecorder recorder(&writer, [&] { ++reports; });
    for (std::uint64_t i = 0; i < kRecordsPastOneBatch; ++i) recorder.on_record(numbered_record(i));
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(writer.error_number(), ENOSPC);
    for (std::uint64_t i = kRecordsPastOneBatch; i < 2 * kRecordsPastOneBatch; ++i) {
      recorder.on_record(numbered_record(i));
    }
    recorder.flush_stale();
    const Summary summary = recorder.finish(1.0, 10);
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(summary.urls, 2 * kRecordsPastOneBatch);
    EXPECT_EQ(writer.written(), 0u);
    EXPECT_EQ(writer.unwritten(), 2 * kRecordsPastOneBatch);
  }
  ::close(fd);
}

TEST(RunRecorderTest, ReportsNothingWhenEveryWriteSucceeds) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  int reports = 0;
  {
    ResultsWriter writer(fd);
    RunRecorder recorder(&writer, [&] { ++reports; });
    for (std::uint64_t i = 0; i < kRecordsPastOneBatch; ++i) recorder.on_record(numbered_record(i));
    recorder.finish(1.0, 10);
    EXPECT_EQ(writer.written(), kRecordsPastOneBatch);
  }
  EXPECT_EQ(reports, 0);
  ::close(fd);
}

}  // namespace
}  // namespace sluice
