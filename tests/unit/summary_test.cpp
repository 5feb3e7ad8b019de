// The run summary: counts, nearest-rank percentiles, efficiency, and both renderings.
#include "output/summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

Record fetched(std::uint64_t index, double elapsed_ms) {
  Record record;
  record.index = index;
  record.url = "http://h/" + std::to_string(index);
  record.status = 200;
  record.ok = true;
  record.elapsed_ms = elapsed_ms;
  record.attempts = 1;
  return record;
}

Record failed(std::uint64_t index, ErrorKind kind, int attempts, double elapsed_ms) {
  Record record;
  record.index = index;
  record.elapsed_ms = elapsed_ms;
  record.attempts = attempts;
  record.error = FetchError{kind, "failed"};
  return record;
}

TEST(SummaryBuilderTest, CountsOutcomes) {
  SummaryBuilder builder;
  Record first = fetched(0, 10);
  first.bytes = 100;
  Record second = fetched(1, 20);
  second.bytes = 50;
  Record not_found = failed(2, ErrorKind::Http, 1, 30);
  not_found.status = 404;
  not_found.bytes = 5;
  for (const Record& record : {first, second, not_found, failed(3, ErrorKind::Connect, 2, 40),
                               failed(4, ErrorKind::InvalidUrl, 0, 0)}) {
    builder.add(record);
  }
  const Summary summary = builder.finish(100, 7);
  EXPECT_EQ(summary.urls, 5U);
  EXPECT_EQ(summary.ok, 2U);
  EXPECT_EQ(summary.failed, 3U);
  EXPECT_EQ(summary.fetched, 4U);
  EXPECT_EQ(summary.bytes, 155U);
  EXPECT_EQ(summary.concurrency, 7U);
  EXPECT_EQ(summary.by_status, (std::map<int, std::uint64_t>{{200, 2}, {404, 1}}));
  EXPECT_EQ(summary.by_error_kind, (std::map<std::string, std::uint64_t>{
                                       {"connect", 1}, {"http", 1}, {"invalid_url", 1}}));
  EXPECT_EQ(summary.wall_ms, 100.0);
  EXPECT_EQ(summary.requests_per_s, 50.0);
}

// A record that skip_existing found on disk is counted apart: it is neither ok nor failed.
TEST(SummaryBuilderTest, CountsSkippedExistingApartFromOk) {
  SummaryBuilder builder;
  Record on_disk;
  on_disk.index = 1;
  on_disk.ok = true;
  on_disk.skipped = true;
  builder.add(fetched(0, 10));
  builder.add(on_disk);
  builder.add(failed(2, ErrorKind::Connect, 1, 5));
  const Summary summary = builder.finish(100, 2);
  EXPECT_EQ(summary.urls, 3U);
  EXPECT_EQ(summary.ok, 1U);
  EXPECT_EQ(summary.failed, 1U);
  EXPECT_EQ(summary.skipped_existing, 1U);
  EXPECT_EQ(summary.fetched, 2U);
  EXPECT_NE(format_summary(summary).find("3 URLs: 1 ok, 1 failed"), std::string::npos);
  EXPECT_NE(format_summary(summary, [](std::string_view) { return std::string_view("--flag"); })
                .find("skipped:    1 URL already on disk (--flag)\n"),
            std::string::npos)
      << format_summary(summary);
  EXPECT_EQ(nlohmann::json::parse(summary_json(summary)).at("skipped_existing"), 1);
}

TEST(SummaryBuilderTest, PercentilesUseNearestRank) {
  SummaryBuilder builder;
  for (std::uint64_t index = 0; index < 100; ++index) {
    builder.add(fetched(index, static_cast<double>(100 - index)));
  }
  const Summary summary = builder.finish(1000, 10);
  EXPECT_EQ(summary.p50_ms, 50.0);
  EXPECT_EQ(summary.p90_ms, 90.0);
  EXPECT_EQ(summary.p99_ms, 99.0);
  EXPECT_EQ(summary.max_ms, 100.0);
}

TEST(SummaryBuilderTest, PercentilesOfAFewRecords) {
  SummaryBuilder builder;
  builder.add(fetched(0, 30));
  builder.add(fetched(1, 10));
  builder.add(fetched(2, 20));
  const Summary summary = builder.finish(1000, 10);
  EXPECT_EQ(summary.p50_ms, 20.0);
  EXPECT_EQ(summary.p90_ms, 30.0);
  EXPECT_EQ(summary.p99_ms, 30.0);
  EXPECT_EQ(summary.max_ms, 30.0);
}

TEST(SummaryBuilderTest, ReportsLatenciesToTheMicrosecond) {
  SummaryBuilder builder;
  builder.add(fetched(0, 50.3));
  const Summary summary = builder.finish(1000, 1);
  EXPECT_EQ(summary.p50_ms, 50.3);
  EXPECT_EQ(summary.max_ms, 50.3);
  EXPECT_EQ(summary.ideal_ms, 50.3);
}

TEST(SummaryBuilderTest, LeavesUnfetchedRecordsOutOfPercentiles) {
  SummaryBuilder builder;
  builder.add(failed(0, ErrorKind::InvalidUrl, 0, 999));
  builder.add(fetched(1, 4));
  const Summary summary = builder.finish(8, 1);
  EXPECT_EQ(summary.max_ms, 4.0);
  EXPECT_EQ(summary.p50_ms, 4.0);
  EXPECT_EQ(summary.ideal_ms, 4.0);  // the invalid URL is a zero-latency job
  EXPECT_EQ(summary.efficiency, 0.5);
}

TEST(SummaryBuilderTest, NothingFetchedGivesZeroLatencies) {
  SummaryBuilder builder;
  builder.add(failed(0, ErrorKind::UnsupportedScheme, 0, 0));
  const Summary summary = builder.finish(3, 4);
  EXPECT_EQ(summary.fetched, 0U);
  EXPECT_EQ(summary.p50_ms, 0.0);
  EXPECT_EQ(summary.max_ms, 0.0);
  EXPECT_EQ(summary.ideal_ms, 0.0);
  EXPECT_EQ(summary.efficiency, 0.0);
}

TEST(SummaryBuilderTest, EfficiencyIsIdealOverWall) {
  SummaryBuilder builder;
  const std::vector<double> latencies = {5, 1, 1, 1, 1, 1};
  for (std::uint64_t index = 0; index < latencies.size(); ++index) {
    builder.add(fetched(index, latencies[index]));
  }
  const Summary summary = builder.finish(10, 2);
  EXPECT_EQ(summary.ideal_ms, 5.0);
  EXPECT_EQ(summary.bound_ms, 5.0);
  EXPECT_EQ(summary.efficiency, 0.5);
  EXPECT_EQ(summary.requests_per_s, 600.0);
}

TEST(SummaryBuilderTest, SchedulesByInputIndexNotCompletionOrder) {
  // In input order [1, 1, 2] on two slots ends at 3; in completion order [2, 1, 1] at 2.
  SummaryBuilder builder;
  builder.add(fetched(2, 2));
  builder.add(fetched(0, 1));
  builder.add(fetched(1, 1));
  EXPECT_EQ(builder.finish(4, 2).ideal_ms, 3.0);
}

TEST(SummaryBuilderTest, IndicesNotAddedCountAsZeroLatency) {
  SummaryBuilder builder;
  builder.add(fetched(3, 5));
  builder.add(fetched(0, 1));
  const Summary summary = builder.finish(6, 1);
  EXPECT_EQ(summary.urls, 2U);
  EXPECT_EQ(summary.ideal_ms, 6.0);
  EXPECT_EQ(summary.p50_ms, 1.0);
}

TEST(SummaryBuilderTest, ZeroWallTimeGivesZeroRates) {
  SummaryBuilder builder;
  builder.add(fetched(0, 1));
  const Summary summary = builder.finish(0, 1);
  EXPECT_EQ(summary.requests_per_s, 0.0);
  EXPECT_EQ(summary.efficiency, 0.0);
}

Summary example() {
  Summary s;
  s.urls = 200;
  s.ok = 198;
  s.failed = 2;
  s.fetched = 200;
  s.bytes = 1'258'291;
  s.by_status = {{200, 198}, {404, 1}};
  s.by_error_kind = {{"connect", 1}, {"http", 1}};
  s.concurrency = 10;
  s.wall_ms = 1030;
  s.requests_per_s = 194.17;
  s.p50_ms = 50.3;
  s.p90_ms = 51;
  s.p99_ms = 55.2;
  s.max_ms = 60.1;
  s.ideal_ms = 1000;
  s.bound_ms = 980;
  s.efficiency = 0.971;
  return s;
}

TEST(FormatSummaryTest, ShowsEverySectionAligned) {
  EXPECT_EQ(format_summary(example()),
            "200 URLs: 198 ok, 2 failed (connect 1, http 1) · 1.2 MiB in 1.03 s · 194.2 req/s\n"
            "status:     200×198 404×1\n"
            "latency:    p50 50.3 ms · p90 51.0 ms · p99 55.2 ms · max 60.1 ms\n"
            "efficiency: 97.1 % of the ideal schedule (1.00 s for c=10 in input order; "
            "bound max(Σ/c, longest) 980.0 ms)\n");
}

TEST(FormatSummaryTest, SeveralEventLoopsAreNamedOnTheFirstLine) {
  Summary s = example();
  s.event_loops = 1;
  EXPECT_EQ(format_summary(s).find("event loops"), std::string::npos);
  s.event_loops = 2;
  EXPECT_NE(format_summary(s).find("194.2 req/s · 2 event loops\n"), std::string::npos)
      << format_summary(s);
}

TEST(FormatSummaryTest, ResumedSaysHowManySkippedUrlsHadFailed) {
  Summary s;
  s.skipped = 800;
  EXPECT_NE(format_summary(s).find("resumed:    800 URLs skipped, already done\n"),
            std::string::npos);
  s.skipped_failures = 3;
  EXPECT_NE(
      format_summary(s).find("resumed:    800 URLs skipped, already done (3 of them failed)\n"),
      std::string::npos);
}

TEST(FormatSummaryTest, LeavesOutSectionsWithNothingToSay) {
  EXPECT_EQ(format_summary(Summary{}), "0 URLs: 0 ok, 0 failed · 0 B in 0.0 ms · 0.0 req/s\n");
}

TEST(FormatSummaryTest, LeadsWithResultsThatCouldNotBeWritten) {
  Summary s = example();
  s.results_failure = ResultsFailure{
      .file = "run.jsonl", .reason = "No space left on device", .written = 1, .unwritten = 80};
  const std::string text = format_summary(s);
  EXPECT_EQ(text.rfind("results not written: run.jsonl: No space left on device after 1 record; "
                       "stopped\n"
                       "unwritten:  80 records; resume_from run.jsonl fetches every URL it lacks\n"
                       "200 URLs: ",
                       0),
            0u)
      << text;
}

// The library names its options; the CLI passes the flags that set them.
TEST(FormatSummaryTest, NamesOptionsAsTheCallerDoes) {
  Summary s = example();
  s.results_failure = ResultsFailure{
      .file = "run.jsonl", .reason = "No space left on device", .written = 1, .unwritten = 80};
  const auto flag = [](std::string_view option) -> std::string_view {
    return option == "resume_from" ? "--resume" : option;
  };
  EXPECT_NE(format_summary(s, flag).find(
                "unwritten:  80 records; --resume run.jsonl fetches every URL it lacks\n"),
            std::string::npos);
  EXPECT_NE(format_results_failure(*s.results_failure, flag).find("; --resume run.jsonl"),
            std::string::npos);
}

TEST(FormatSummaryTest, AFailedStandardOutputHasNoResumeHint) {
  EXPECT_EQ(format_results_failure(ResultsFailure{
                .file = {}, .reason = "Input/output error", .written = 5, .unwritten = 1}),
            "results not written: standard output: Input/output error after 5 records; stopped\n"
            "unwritten:  1 record\n");
}

TEST(FormatSummaryTest, AClosedStandardOutputIsAnEndNotAnError) {
  EXPECT_EQ(format_results_failure(ResultsFailure{.file = {},
                                                  .reason = "Broken pipe",
                                                  .output_closed = true,
                                                  .written = 236,
                                                  .unwritten = 1288}),
            "stopped: standard output was closed after 236 records (1288 not written)\n");
}

TEST(FormatSummaryTest, AFailureAfterTheRunDoesNotSayItStoppedIt) {
  ResultsFailure failure{.file = "run.jsonl", .reason = "No space left on device", .written = 7};
  failure.stopped_run = false;
  failure.unwritten = 3;
  EXPECT_EQ(format_results_failure(failure).rfind(
                "results not written: run.jsonl: No space left on device after 7 records\n", 0),
            0u);
  failure.output_closed = true;
  EXPECT_EQ(format_results_failure(failure),
            "standard output was closed after 7 records (3 not written)\n");
}

TEST(SummaryJsonTest, NamesResultsThatCouldNotBeWritten) {
  Summary s = example();
  s.results_failure = ResultsFailure{
      .file = "run.jsonl", .reason = "No space left on device", .written = 120, .unwritten = 80};
  const auto object = nlohmann::json::parse(summary_json(s))["results_failure"];
  EXPECT_EQ(object["file"], "run.jsonl");
  EXPECT_EQ(object["reason"], "No space left on device");
  EXPECT_EQ(object["output_closed"], false);
  EXPECT_EQ(object["stopped_run"], true);
  EXPECT_EQ(object["written"], 120);
  EXPECT_EQ(object["unwritten"], 80);
  s.results_failure->file.clear();
  EXPECT_TRUE(nlohmann::json::parse(summary_json(s))["results_failure"]["file"].is_null());
}

TEST(SummaryJsonTest, HasEveryFieldInOrder) {
  const std::string text = summary_json(example());
  ASSERT_EQ(text.back(), '\n');
  const auto object = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"urls",
                                            "ok",
                                            "failed",
                                            "fetched",
                                            "bytes",
                                            "wire_bytes",
                                            "skipped",
                                            "skipped_failures",
                                            "skipped_existing",
                                            "retried",
                                            "retries",
                                            "final_limit",
                                            "by_status",
                                            "by_error_kind",
                                            "concurrency",
                                            "event_loops",
                                            "wall_ms",
                                            "requests_per_s",
                                            "p50_ms",
                                            "p90_ms",
                                            "p99_ms",
                                            "max_ms",
                                            "ideal_ms",
                                            "bound_ms",
                                            "schedule_efficiency",
                                            "efficiency",
                                            "efficiency_basis",
                                            "rate",
                                            "max_bandwidth",
                                            "bad_inputs",
                                            "first_bad_input",
                                            "bound_by",
                                            "results_failure"}));
  EXPECT_EQ(object["urls"], 200);
  EXPECT_TRUE(object["results_failure"].is_null());
  EXPECT_EQ(object["by_status"]["200"], 198);
  EXPECT_EQ(object["by_status"]["404"], 1);
  EXPECT_EQ(object["by_error_kind"]["connect"], 1);
  EXPECT_EQ(object["concurrency"], 10);
  EXPECT_EQ(object["p50_ms"], 50.3);
  EXPECT_EQ(object["efficiency"], 0.971);
  EXPECT_EQ(object["efficiency_basis"], "ideal_schedule");
  EXPECT_TRUE(object["first_bad_input"].is_null());
}

Binding binding(BindingKind kind) {
  Binding binding;
  binding.kind = kind;
  return binding;
}

// 200 URLs, 10 of them retried once, in 20.9 s: 210 starts, which 20/s spaces over 10.45 s.
Summary rate_bound_run() {
  Summary s = example();
  s.fetched = 200;
  s.retries = 10;
  s.wall_ms = 20'900;
  s.wire_bytes = 10 * 1024 * 1024;
  s.schedule_efficiency = 0.008;
  s.efficiency = 0.008;
  return s;
}

TEST(MeasureAgainstBindingTest, ARateBoundRunIsMeasuredAgainstTheTimeItsStartsNeed) {
  Summary s = rate_bound_run();
  measure_against_binding(s, binding(BindingKind::Rate), 20, 0);
  EXPECT_EQ(s.efficiency_basis, EfficiencyBasis::Rate);
  EXPECT_DOUBLE_EQ(s.efficiency, 0.5);
  EXPECT_EQ(s.bound_by.kind, BindingKind::Rate);
  EXPECT_NE(format_summary(s).find("efficiency: 50.0 % of rate (210 starts at 20.0/s need "
                                   "10.45 s)\n"),
            std::string::npos)
      << format_summary(s);
  // A slow rate keeps its decimals: 30/m is 0.5 starts/s.
  measure_against_binding(s, binding(BindingKind::Rate), 0.5, 0);
  EXPECT_NE(format_summary(s).find("(210 starts at 0.50/s need 418.00 s)"), std::string::npos);
  const auto object = nlohmann::json::parse(summary_json(s));
  EXPECT_EQ(object["efficiency_basis"], "rate");
  EXPECT_EQ(object["schedule_efficiency"], 0.008);
  EXPECT_EQ(object["rate"], 0.5);
}

TEST(MeasureAgainstBindingTest, ABandwidthBoundRunIsMeasuredInWireBytesAgainstTheCap) {
  Summary s = rate_bound_run();
  s.wall_ms = 1000;  // 10 MiB in 1 s
  measure_against_binding(s, binding(BindingKind::Bandwidth), 0, 20 * 1024 * 1024);
  EXPECT_EQ(s.efficiency_basis, EfficiencyBasis::Bandwidth);
  EXPECT_DOUBLE_EQ(s.efficiency, 0.5);
  EXPECT_NE(
      format_summary(s).find("efficiency: 50.0 % of max_bandwidth (10.0 MiB/s of 20.0 MiB/s)\n"),
      std::string::npos)
      << format_summary(s);
}

TEST(MeasureAgainstBindingTest, OtherBindingsAndAbsentCapsKeepTheIdealSchedule) {
  for (const auto kind : {BindingKind::Concurrency, BindingKind::Server, BindingKind::PerHost,
                          BindingKind::Input, BindingKind::Tail, BindingKind::None}) {
    Summary s = rate_bound_run();
    measure_against_binding(s, binding(kind), 25, 1024);
    EXPECT_EQ(s.efficiency_basis, EfficiencyBasis::IdealSchedule);
    EXPECT_EQ(s.efficiency, 0.008);
  }
  // Bound by a rate it was not given (a server's): nothing to measure against.
  Summary s = rate_bound_run();
  measure_against_binding(s, binding(BindingKind::Rate), 0, 0);
  EXPECT_EQ(s.efficiency_basis, EfficiencyBasis::IdealSchedule);
  EXPECT_NE(format_summary(s).find("efficiency: 0.8 % of the ideal schedule ("), std::string::npos);
}

Record bad_input(std::uint64_t index, std::string source, std::string url) {
  Record record = failed(index, ErrorKind::InvalidUrl, 0, 0);
  record.source = std::move(source);
  record.url = std::move(url);
  record.error->message = "missing ':' after 'http'?";
  return record;
}

TEST(SummaryBuilderTest, NamesTheFirstBadInputLineInInputOrder) {
  SummaryBuilder builder;
  builder.add(bad_input(5, "urls.txt:6", "http//b"));
  builder.add(fetched(0, 1));
  builder.add(bad_input(3, "urls.txt:4", "http//a"));
  Record scheme = failed(7, ErrorKind::UnsupportedScheme, 0, 0);
  builder.add(scheme);
  const Summary summary = builder.finish(10, 1);
  EXPECT_EQ(summary.bad_inputs, 3u);
  EXPECT_EQ(summary.first_bad_input, "urls.txt:4: http//a: missing ':' after 'http'?");
  EXPECT_NE(format_summary(summary).find("\nbad input:  3 lines not URLs; the first: "
                                         "urls.txt:4: http//a: missing ':' after 'http'?\n"),
            std::string::npos)
      << format_summary(summary);
  EXPECT_EQ(nlohmann::json::parse(summary_json(summary))["first_bad_input"],
            summary.first_bad_input);
}

TEST(SummaryBuilderTest, CountsWireBytesWhereTheyDifferFromTheBody) {
  SummaryBuilder builder;
  Record compressed = fetched(0, 1);
  compressed.bytes = 1000;
  compressed.wire_bytes = 100;
  Record plain = fetched(1, 1);
  plain.bytes = 50;
  builder.add(compressed);
  builder.add(plain);
  const Summary summary = builder.finish(10, 1);
  EXPECT_EQ(summary.bytes, 1050u);
  EXPECT_EQ(summary.wire_bytes, 150u);
}

Summary bound_by(BindingKind kind, double share) {
  Summary summary = example();
  summary.bound_by.kind = kind;
  summary.bound_by.share = share;
  summary.bound_by.slots = 10;
  return summary;
}

std::string binding_line(const Summary& summary) {
  const std::string text = format_summary(summary);
  const auto start = text.find("bound by:   ");
  if (start == std::string::npos) return {};
  return text.substr(start, text.find('\n', start) - start);
}

TEST(FormatSummaryTest, NamesTheBindingConstraintWithItsEvidence) {
  EXPECT_EQ(binding_line(bound_by(BindingKind::Concurrency, 0.97)),
            "bound by:   concurrency (all 10 slots busy 97 % of the time)");
  EXPECT_EQ(binding_line(bound_by(BindingKind::Bandwidth, 0.994)),
            "bound by:   bandwidth cap (at the cap 99 % of the time)");
  auto link = bound_by(BindingKind::Bandwidth, 0.93);
  link.bound_by.link_rate = 2'450'000;
  EXPECT_EQ(binding_line(link),
            "bound by:   the link (learned 2.3 MiB/s = 19.6 Mbit/s; paced just under it 93 % of "
            "the time)");
  EXPECT_EQ(binding_line(bound_by(BindingKind::Rate, 0.9)),
            "bound by:   rate limit (starts waited for the start rate cap 90 % of the time)");
  auto per_host = bound_by(BindingKind::PerHost, 0.8);
  per_host.bound_by.host = "http://a.example:80";
  EXPECT_EQ(binding_line(per_host),
            "bound by:   per-host limit on http://a.example:80 (URLs parked behind its "
            "per-host cap, Retry-After or RateLimit with slots free 80 % of the time)");
  auto server = bound_by(BindingKind::Server, 0.9);
  server.bound_by.latency_rise = 3.04;
  server.bound_by.busy_p50_ms = 60.8;
  server.bound_by.floor_ms = 20;
  EXPECT_EQ(binding_line(server),
            "bound by:   the server (latency rose 3.0× under load: p50 60.8 ms with all 10 slots "
            "busy, floor 20.0 ms; 90 % of the time)");
  EXPECT_EQ(binding_line(bound_by(BindingKind::Input, 0.98)),
            "bound by:   input/consumer (slots free, waiting for input 98 % of the time)");
  // With -c auto the slots are its live limit, which ended where final_limit says.
  auto adaptive = bound_by(BindingKind::Concurrency, 0.95);
  adaptive.final_limit = 14;
  adaptive.bound_by.slots = 14;
  EXPECT_EQ(binding_line(adaptive),
            "bound by:   concurrency (all slots of adaptive_concurrency's limit (14 at the end) "
            "busy 95 % of the time)");
  EXPECT_EQ(binding_line(bound_by(BindingKind::None, 0)), "");
}

// The library names -c auto by its Options field; the CLI passes a namer that gives its flag.
TEST(FormatSummaryTest, NamesAdaptiveConcurrencyAsTheCallerDoes) {
  auto adaptive = bound_by(BindingKind::Concurrency, 0.95);
  adaptive.final_limit = 14;
  adaptive.bound_by.slots = 14;
  EXPECT_NE(format_summary(adaptive).find("adaptive_concurrency: the cap ended at 14\n"),
            std::string::npos);
  const OptionNamer cli = [](std::string_view option) -> std::string_view {
    return option == "adaptive_concurrency" ? "-c auto" : option;
  };
  const std::string text = format_summary(adaptive, cli);
  EXPECT_NE(text.find("-c auto:    the cap ended at 14\n"), std::string::npos) << text;
  EXPECT_NE(text.find("all slots of -c auto's limit (14 at the end)"), std::string::npos);
  EXPECT_NE(summary_json(adaptive, cli).find("all slots of -c auto's limit"), std::string::npos);
}

TEST(SummaryJsonTest, BoundByIsAnObjectWithTheKindAndEveryShare) {
  auto summary = bound_by(BindingKind::PerHost, 0.8);
  summary.bound_by.host = "http://a.example:80";
  summary.bound_by.shares[static_cast<std::size_t>(BindingKind::PerHost)] = 0.8;
  summary.bound_by.shares[static_cast<std::size_t>(BindingKind::Tail)] = 0.2;
  const auto object = nlohmann::json::parse(summary_json(summary))["bound_by"];
  EXPECT_EQ(object["kind"], "per_host");
  EXPECT_EQ(object["share"], 0.8);
  EXPECT_EQ(object["host"], "http://a.example:80");
  EXPECT_EQ(object["text"].get<std::string>().rfind("per-host limit on http://a.example:80", 0),
            0u);
  EXPECT_EQ(object["shares"]["per_host"], 0.8);
  EXPECT_EQ(object["shares"]["tail"], 0.2);
  EXPECT_EQ(object["shares"]["concurrency"], 0.0);
  EXPECT_EQ(object["shares"].size(), kBindingKinds - 1);  // every kind but none
}

TEST(SummaryJsonTest, EmptyMapsAreObjects) {
  const auto object = nlohmann::json::parse(summary_json(Summary{}));
  EXPECT_TRUE(object["by_status"].is_object());
  EXPECT_TRUE(object["by_error_kind"].is_object());
}

}  // namespace
}  // namespace sluice
