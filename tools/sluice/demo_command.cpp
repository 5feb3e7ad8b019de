// `sluice demo`: the interview task on the embedded server — /todos/{1..200}, 50 ms
// latency, at most 10 in flight — and how close sluice comes to the ideal.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "output/run_recorder.hpp"
#include "server/server.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::cli {

using namespace sluice::detail;

int run_demo() {
  constexpr std::size_t kConcurrency = 10;
  constexpr auto kLatency = std::chrono::milliseconds(50);
  Server server(ServerConfig{.latency = kLatency});
  Options options;
  options.concurrency = kConcurrency;
  const std::string url = server.base_url() + "/todos/{1..200}";

  RunRecorder recorder(nullptr, kConcurrency);
  const FetchReport report = fetch(options, {url}, recorder);
  const Summary summary = recorder.finish(report.wall_ms);
  const ServerStats stats = server.stats();

  std::printf("sluice demo: %s\n", url.c_str());
  std::printf("server latency %lld ms, concurrency %zu\n\n",
              static_cast<long long>(kLatency.count()), kConcurrency);
  std::printf("  %-28s %10.3f s\n", "wall time", summary.wall_ms / 1000);
  std::printf("  %-28s %10.3f s\n", "ideal (input order, c slots)", summary.ideal_ms / 1000);
  std::printf("  %-28s %10.1f %%\n", "efficiency", 100 * summary.efficiency);
  std::printf("  %-28s %10.1f\n", "requests/s", summary.requests_per_s);
  std::printf("  %-28s %6llu / %llu\n", "ok / failed", static_cast<unsigned long long>(summary.ok),
              static_cast<unsigned long long>(summary.failed));
  std::printf("  %-28s %10llu\n", "peak in flight (server)",
              static_cast<unsigned long long>(stats.peak_in_flight));
  std::printf("  %-28s %10llu\n", "requests seen (server)",
              static_cast<unsigned long long>(stats.requests));
  return summary.failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace sluice::cli
