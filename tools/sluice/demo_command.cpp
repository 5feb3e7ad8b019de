// `sluice demo`: the interview task on the embedded server — /todos/{1..200}, 50 ms
// latency, at most 10 in flight — run on each engine, and how close each comes to the
// ideal. Each row gets a fresh server, so its counters belong to that row alone.
#include <cstdio>

#include "commands.hpp"
#include "output/run_recorder.hpp"
#include "server/server.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::cli {

using namespace sluice::detail;

namespace {

constexpr std::size_t kConcurrency = 10;
constexpr std::size_t kUrls = 200;
constexpr auto kLatency = std::chrono::milliseconds(50);

struct DemoRow {
  Summary summary;
  ServerStats server;
};

DemoRow run_row(EngineKind engine) {
  Server server(ServerConfig{.latency = kLatency});
  Options options;
  options.concurrency = kConcurrency;
  options.engine = engine;
  RunRecorder recorder(nullptr, kConcurrency);
  const FetchReport report =
      fetch(options, {server.base_url() + "/todos/{1.." + std::to_string(kUrls) + "}"}, recorder);
  return DemoRow{recorder.finish(report.wall_ms), server.stats()};
}

void print_row(const char* name, const DemoRow& row) {
  std::printf("%-20s %8.3f s %8.3f s %9.1f %% %9.1f %6llu/%-4llu %8llu %8llu\n", name,
              row.summary.wall_ms / 1000, row.summary.ideal_ms / 1000,
              100 * row.summary.efficiency, row.summary.requests_per_s,
              static_cast<unsigned long long>(row.summary.ok),
              static_cast<unsigned long long>(row.summary.failed),
              static_cast<unsigned long long>(row.server.peak_in_flight),
              static_cast<unsigned long long>(row.server.requests));
}

}  // namespace

int run_demo() {
  std::printf("sluice demo: GET /todos/{1..%zu} from the embedded server, %lld ms latency, "
              "at most %zu in flight\n\n",
              kUrls, static_cast<long long>(kLatency.count()), kConcurrency);
  std::printf("%-20s %10s %10s %11s %9s %11s %8s %8s\n", "engine", "wall", "ideal",
              "efficiency", "req/s", "ok/failed", "peak*", "served*");
  const DemoRow loop = run_row(EngineKind::EventLoop);
  print_row("sluice event loop", loop);
  const DemoRow threads = run_row(EngineKind::Threads);
  print_row("sluice threads", threads);
  std::printf("\nideal: input order, %zu slots, the latencies observed; * as the server saw it\n",
              kConcurrency);
  return loop.summary.failed + threads.summary.failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace sluice::cli
