// `sluice demo`: the interview task on the embedded server — /todos/{1..200} at most 10 in
// flight — answered by the two textbook designs and by sluice's two engines, on a uniform
// 50 ms list and on one whose first 10 % take 500 ms. Each run gets a fresh server, so the
// peak in flight and the connections it reports belong to that run alone.
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "output/ideal_schedule.hpp"
#include "output/run_recorder.hpp"
#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "textbook/textbook_run.hpp"

namespace sluice::cli {

using namespace sluice::detail;

namespace {

constexpr std::size_t kConcurrency = 10;
constexpr std::size_t kUrls = 200;
constexpr std::size_t kSlowUrls = kUrls / 10;
constexpr int kLatencyMs = 50;
constexpr int kSlowLatencyMs = 500;

struct DemoList {
  const char* name;
  std::size_t slow;  // the first `slow` URLs take kSlowLatencyMs
};

struct DemoDesign {
  const char* name;
  std::optional<textbook::Design> textbook;  // sluice's own engine when unset
  EngineKind engine = EngineKind::EventLoop;
};

struct DemoCell {
  double wall_ms = 0;
  double ideal_ms = 0;  // over the nominal latencies, the same bound for every design
  std::uint64_t failed = 0;
  std::uint64_t peak = 0;
  std::uint64_t connections = 0;
};

DemoCell run_cell(const DemoDesign& design, const DemoList& list) {
  Server server(ServerConfig{.latency = std::chrono::milliseconds(kLatencyMs)});
  std::vector<std::string> sources;
  if (list.slow > 0) {
    sources.push_back(server.base_url() + "/todos/{1.." + std::to_string(list.slow) +
                      "}?delay=" + std::to_string(kSlowLatencyMs) + "ms");
  }
  sources.push_back(server.base_url() + "/todos/{" + std::to_string(list.slow + 1) + ".." +
                    std::to_string(kUrls) + "}");
  Options options;
  options.concurrency = kConcurrency;
  options.engine = design.engine;
  RunRecorder recorder(nullptr);
  const FetchReport report = design.textbook
                                 ? textbook::fetch(*design.textbook, options, sources, recorder)
                                 : fetch(options, sources, recorder);
  const Summary summary = recorder.finish(report.wall_ms, kConcurrency);

  std::vector<double> nominal(kUrls, kLatencyMs);
  for (std::size_t i = 0; i < list.slow; ++i) nominal[i] = kSlowLatencyMs;
  const ServerStats stats = server.stats();
  return DemoCell{report.wall_ms, ideal_makespan_ms(nominal, kConcurrency), summary.failed,
                  stats.peak_in_flight, stats.connections};
}

}  // namespace

int run_demo() {
  constexpr std::array kLists = {DemoList{"uniform 50 ms", 0},
                                 DemoList{"first 10 % at 500 ms", kSlowUrls}};
  constexpr std::array kDesigns = {
      DemoDesign{"textbook: slices + barrier", textbook::Design::StaticSlices},
      DemoDesign{"textbook: slice permits", textbook::Design::SlicePermits},
      DemoDesign{"sluice threads", std::nullopt, EngineKind::Threads},
      DemoDesign{"sluice event loop", std::nullopt, EngineKind::EventLoop}};

  std::printf(
      "sluice demo: GET /todos/{1..%zu} from the embedded server, at most %zu in "
      "flight\n\n",
      kUrls, kConcurrency);
  std::printf("%-28s", "");
  for (const auto& list : kLists) std::printf(" | %-37s", list.name);
  std::printf("\n%-28s", "design");
  for (std::size_t i = 0; i < kLists.size(); ++i) {
    std::printf(" | %7s %7s %7s %6s %6s", "wall", "ideal", "ideal/", "peak*", "conn*");
  }
  std::printf("\n%-28s", "");
  for (std::size_t i = 0; i < kLists.size(); ++i)
    std::printf(" | %7s %7s %7s %6s %6s", "s", "s", "wall", "", "");
  std::printf("\n");

  std::uint64_t failed = 0;
  for (const auto& design : kDesigns) {
    std::printf("%-28s", design.name);
    for (const auto& list : kLists) {
      const DemoCell cell = run_cell(design, list);
      failed += cell.failed;
      std::printf(" | %7.3f %7.3f ", cell.wall_ms / 1000, cell.ideal_ms / 1000);
      if (cell.peak > kConcurrency) {
        std::printf("%7s", "broken");  // faster than the ideal only by breaking the cap
      } else {
        std::printf("%6.1f%%", 100 * cell.ideal_ms / cell.wall_ms);
      }
      std::printf(" %6llu %6llu", static_cast<unsigned long long>(cell.peak),
                  static_cast<unsigned long long>(cell.connections));
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  std::printf(
      "\nideal: a zero-overhead scheduler starting the URLs in input order on %zu slots,\n"
      "over the nominal latencies. * as the server saw them: peak requests in flight (above\n"
      "%zu the cap was broken, \"broken\", and a time under the ideal is then no merit) and\n"
      "connections accepted (the textbook designs use a throwaway client per URL).\n",
      kConcurrency, kConcurrency);
  return failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace sluice::cli
