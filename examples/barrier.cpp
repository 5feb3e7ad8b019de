// A std::barrier makes THREADS threads work in phases: in each phase every thread fetches one
// URL, and no thread starts the next phase until all have finished this one. When the last
// thread arrives, the barrier runs a completion step once, here printing the phase.
//
// Usage: example_barrier PREFIX N THREADS
//   e.g. example_barrier http://127.0.0.1:8080/todos 10 4
// Fetches PREFIX/1..PREFIX/N in ceil(N / THREADS) phases and prints one line per phase,
// then the total. Exits 1 if any fetch failed.
#include <curl/curl.h>

#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: example_barrier PREFIX N THREADS\n");
    return 1;
  }
  const std::string prefix = argv[1];
  const int n = std::atoi(argv[2]);
  const int threads = std::atoi(argv[3]);
  if (n < 1 || threads < 1) {
    std::fprintf(stderr, "N and THREADS must be positive numbers\n");
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);  // once, before any thread uses libcurl

  const int phases = (n + threads - 1) / threads;
  // Each thread writes only its own slot, so no lock is needed: arriving at the barrier
  // happens-before the completion step, which therefore sees every slot of this phase.
  std::vector<int> fetched(static_cast<std::size_t>(threads), 0);
  std::vector<int> failed(static_cast<std::size_t>(threads), 0);
  int phase = 0;  // touched only by the completion step, which runs on one thread at a time
  int total_fetched = 0;
  int total_failed = 0;
  const auto start = std::chrono::steady_clock::now();

  // The completion step runs once per phase, after all threads arrived and before any is
  // released. std::barrier requires it not to throw, hence noexcept (and printf).
  auto end_of_phase = [&]() noexcept {
    int in_phase = 0;
    for (std::size_t t = 0; t < fetched.size(); ++t) {
      in_phase += fetched[t];
      total_failed += failed[t];
      fetched[t] = failed[t] = 0;
    }
    total_fetched += in_phase;
    ++phase;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("phase %d: fetched %d, total %d, at %.2f s\n", phase, in_phase, total_fetched,
                elapsed.count());
  };
  std::barrier sync_point(threads, end_of_phase);

  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        CURL* curl = curl_easy_init();  // one handle per thread, reused across phases
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);  // an HTTP 4xx/5xx is a failure
        const auto slot = static_cast<std::size_t>(t);
        // [article:barrier-arrive]
        for (int p = 0; p < phases; ++p) {
          const int id = p * threads + t + 1;
          // In the last phase some threads have no URL left. They must still arrive: the
          // barrier opens only when all THREADS parties have arrived.
          if (id <= n) {
            const std::string url = prefix + "/" + std::to_string(id);
            curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
            const CURLcode code = curl_easy_perform(curl);
            if (code == CURLE_OK) {
              fetched[slot] = 1;
            } else {
              std::fprintf(stderr, "%s: %s\n", url.c_str(), curl_easy_strerror(code));
              failed[slot] = 1;
            }
          }
          sync_point.arrive_and_wait();
        }
        // [/article:barrier-arrive]
        curl_easy_cleanup(curl);
      });
    }
  }  // the jthreads join here
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("fetched %d in %.2f s over %d phases of %d threads\n", total_fetched, elapsed.count(),
              phase, threads);
  curl_global_cleanup();
  return total_failed == 0 ? 0 : 1;
}
