// RunRecorder: every record is summarised, and the first failed write is reported once.
#include "output/run_recorder.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace sluice {
namespace {

using namespace detail;

Record record(std::uint64_t index) {
  Record result;
  result.index = index;
  result.url = "http://h/" + std::to_string(index);
  result.ok = true;
  result.status = 200;
  return result;
}

// Enough records that their lines pass the writer's batch size and are written at once.
constexpr std::uint64_t kRecordsPastOneBatch = 2000;

TEST(RunRecorderTest, ReportsTheFirstFailedWriteOnceAndKeepsCounting) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);  // every write fails: ENOSPC
  ASSERT_GE(fd, 0);
  int reports = 0;
  {
    ResultsWriter writer(fd);
    RunRecorder recorder(&writer, [&] { ++reports; });
    for (std::uint64_t i = 0; i < kRecordsPastOneBatch; ++i) recorder.on_record(record(i));
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(writer.error_number(), ENOSPC);
    for (std::uint64_t i = kRecordsPastOneBatch; i < 2 * kRecordsPastOneBatch; ++i) {
      recorder.on_record(record(i));
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
    for (std::uint64_t i = 0; i < kRecordsPastOneBatch; ++i) recorder.on_record(record(i));
    recorder.finish(1.0, 10);
    EXPECT_EQ(writer.written(), kRecordsPastOneBatch);
  }
  EXPECT_EQ(reports, 0);
  ::close(fd);
}

}  // namespace
}  // namespace sluice
