// A periodic 10 ms tick, run two ways beside one busy event loop: (a) as a timer on the loop
// itself and (b) on a thread of its own. A timer handler cannot run while another handler is
// running, so on a busy loop the tick waits; a thread of its own only waits for a free core.
//
// Usage: example_tick_lateness [SECONDS [BODY_KIB]]   defaults: 3 s, 256 KiB
// The loop checksums BODY_KIB "response bodies" back to back for SECONDS while both ticks
// run; then it prints how late the ticks of each variant were (p50, p99, max). Needs no server.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/crc.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lateness_stats.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;

constexpr auto kPeriod = std::chrono::milliseconds(10);

void print_row(const char* variant, std::vector<double> lateness_ms) {
  std::sort(lateness_ms.begin(), lateness_ms.end());
  std::printf("%-12s %6zu %8.3f %8.3f %8.3f\n", variant, lateness_ms.size(),
              percentile(lateness_ms, 0.50), percentile(lateness_ms, 0.99), lateness_ms.back());
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? number_or_nan(argv[1]) : 3;
  const double body_kib = argc > 2 ? number_or_nan(argv[2]) : 256;
  if (argc > 3 || !(seconds > 0 && seconds <= 3600) || !(body_kib >= 1 && body_kib <= 1 << 20) ||
      body_kib != std::floor(body_kib)) {
    std::fprintf(stderr, "usage: example_tick_lateness [SECONDS [BODY_KIB]] (positive numbers)\n");
    return 1;
  }
  const std::chrono::duration<double> run_time(seconds);
  const int ticks = std::max(1, static_cast<int>(std::lround(run_time / kPeriod)));

  // Random bytes, so the checksum cannot be shortcut; reused, like a receive buffer.
  std::vector<unsigned char> body(static_cast<std::size_t>(body_kib) * 1024);
  std::minstd_rand random_bytes(42);
  for (auto& byte : body) byte = static_cast<unsigned char>(random_bytes());

  asio::io_context loop;
  // Tick k of either variant is due at start + k * 10 ms: an absolute deadline, so a late tick
  // does not move the later ones (with "next = now + 10 ms" every delay would add up).
  const auto start = Clock::now();

  // The loop's work: one handler per response body, each queuing the next, so the loop is
  // never idle, as when responses keep arriving. These fields are touched only by the loop
  // thread (the main thread, inside loop.run()), so they need no lock.
  bool loop_ticking = true;
  std::size_t checksums = 0;
  Clock::duration checksum_time{};
  std::uint32_t last_checksum = 0;  // printed, so the optimiser must compute every checksum
  std::function<void()> checksum_body = [&] {
    const auto began = Clock::now();
    boost::crc_32_type crc;
    crc.process_bytes(body.data(), body.size());
    last_checksum = crc.checksum();
    checksum_time += Clock::now() - began;
    ++checksums;
    if (loop_ticking) asio::post(loop, checksum_body);
  };

  // (a) The tick as a timer on the loop. Its handler is queued when the timer expires, but runs
  // only once the handler that is running now (and any queued before it) has returned.
  std::vector<double> loop_lateness_ms;  // touched only by the loop thread
  asio::steady_timer timer(loop);
  std::function<void(int)> arm_tick = [&](int k) {
    const auto deadline = start + k * kPeriod;
    timer.expires_at(deadline);
    // The timer is never cancelled, so the wait cannot fail and its error code is unused.
    timer.async_wait([&, k, deadline](const boost::system::error_code&) {
      loop_lateness_ms.push_back(Millis(Clock::now() - deadline).count());
      if (k < ticks) {
        arm_tick(k + 1);
      } else {
        loop_ticking = false;  // the checksum stream ends, and loop.run() returns
      }
    });
  };

  // (b) The same tick on a thread of its own, beside the same busy loop. Only this thread
  // touches thread_lateness_ms until the jthread is joined; main reads it after that.
  std::vector<double> thread_lateness_ms;
  {
    std::jthread ticker([&] {
      for (int k = 1; k <= ticks; ++k) {
        const auto deadline = start + k * kPeriod;
        std::this_thread::sleep_until(deadline);
        thread_lateness_ms.push_back(Millis(Clock::now() - deadline).count());
      }
    });
    arm_tick(1);
    asio::post(loop, checksum_body);
    loop.run();  // this thread is now the loop thread, until the last loop tick
  }              // the ticker joins here

  std::printf("tick every %lld ms, %d ticks; the loop checksums %.0f KiB bodies back to back\n",
              static_cast<long long>(kPeriod.count()), ticks, body_kib);
  std::printf("loop: %zu checksums, %.3f ms each, last crc32 %08x\n", checksums,
              Millis(checksum_time).count() / static_cast<double>(checksums), last_checksum);
  std::printf("%-12s %6s %8s %8s %8s\n", "variant", "ticks", "p50 ms", "p99 ms", "max ms");
  print_row("loop timer", loop_lateness_ms);
  print_row("own thread", thread_lateness_ms);
  return 0;
}
