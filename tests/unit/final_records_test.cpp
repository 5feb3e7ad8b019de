#include "watch/final_records.hpp"

#include <gtest/gtest.h>

#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice::detail {
namespace {

TEST(FinalRecordsTest, KeepsOkAndPermanentFailuresAndDropsTheRest) {
  test::TempDir dir;
  const auto file = dir.write(
      "results.jsonl",
      R"({"url":"http://a/1","status":200,"ok":true,"bytes":1,"elapsed_ms":1,"ttfb_ms":1,"attempts":1,"error":null})"
      "\n"
      R"({"url":"http://a/2","source":"l:2","status":404,"ok":false,"bytes":0,"elapsed_ms":1,"ttfb_ms":1,"attempts":1,"error":{"kind":"http","message":"404"}})"
      "\n"
      R"({"url":"http://a/3","source":"l:3","status":null,"ok":false,"bytes":0,"elapsed_ms":0,"ttfb_ms":0,"attempts":0,"error":{"kind":"cancelled","message":"stopped"}})"
      "\n"
      R"({"url":"http://a/4","source":"l:4","status":503,"ok":false,"bytes":0,"elapsed_ms":1,"ttfb_ms":1,"attempts":3,"error":{"kind":"http","message":"503"}})"
      "\n"
      R"({"url":"http://a/5","status":200,"ok":tr)");
  EXPECT_EQ(keep_final_records(file), "");
  const auto records = test::read_records(file);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["url"], "http://a/1");
  EXPECT_EQ(records[1]["url"], "http://a/2");
  EXPECT_EQ(records[1]["source"], "l:2");
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".kept"));
}

TEST(FinalRecordsTest, AMissingFileIsAnError) {
  test::TempDir dir;
  EXPECT_NE(keep_final_records(dir.path() / "missing.jsonl").find("cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::detail
