// The per-URL costs outside libcurl: expanding, checking, formatting, scheduling.
#include <benchmark/benchmark.h>

#include <vector>

#include "input/range_pattern.hpp"
#include "input/url_check.hpp"
#include "output/ideal_schedule.hpp"
#include "record_codec.hpp"

namespace sluice::detail {
namespace {

void BM_RangePatternAt(benchmark::State& state) {
  const auto pattern = RangePattern::parse("http://127.0.0.1:8080/todos/{1..1000000}?p={a,b}");
  std::uint64_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pattern->at(k));
    k = (k + 1) % pattern->size();
  }
}
BENCHMARK(BM_RangePatternAt);

void BM_CheckUrl(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(check_url("http://127.0.0.1:8080/todos/123456?delay=50ms"));
  }
}
BENCHMARK(BM_CheckUrl);

void BM_AppendJsonLine(benchmark::State& state) {
  Record record;
  record.url = "http://127.0.0.1:8080/todos/123456?delay=50ms";
  record.status = 200;
  record.ok = true;
  record.bytes = 83;
  record.elapsed_ms = 50.318;
  record.ttfb_ms = 50.2;
  record.attempts = 1;
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    append_json_line(buffer, record);
    benchmark::DoNotOptimize(buffer.data());
  }
}
BENCHMARK(BM_AppendJsonLine);

void BM_IdealMakespan(benchmark::State& state) {
  std::vector<double> latencies(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < latencies.size(); ++i)
    latencies[i] = 50.0 + static_cast<double>(i % 7);
  for (auto _ : state) benchmark::DoNotOptimize(ideal_makespan_ms(latencies, 100));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_IdealMakespan)->Arg(100000);

}  // namespace
}  // namespace sluice::detail
