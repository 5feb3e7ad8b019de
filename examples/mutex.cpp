// Several threads add to one shared counter. Without a lock, increments are lost; with a
// std::mutex around the increment, every one of them counts.
//
// Usage: example_mutex [--race] THREADS INCREMENTS
//   e.g. example_mutex --race 4 1000000
// Prints the expected total and what each version actually counted. Needs no server.
//
// The unlocked version is a deliberate data race: undefined behaviour in C++, shown here only
// because learners should see it once. It runs only when asked for with --race, so that the
// default run stays clean under ThreadSanitizer (which would rightly report it). Build in
// Debug to see the loss reliably: an optimiser may merge the loop into one addition.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// Each ++counter is three steps: load, add one, store. Two threads that load the same value
// both store value + 1, and one of the two increments is gone.
long count_without_lock(int threads, long increments) {
  long counter = 0;
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&counter, increments] {
        for (long i = 0; i < increments; ++i) ++counter;  // the data race
      });
    }
  }  // the jthreads join here, before counter is read
  return counter;
}

// The mutex lets one thread at a time run load-add-store, so no increment is lost. Locking
// once per increment is slow; it is written this way to show the fix, not the fastest code.
long count_with_mutex(int threads, long increments) {
  long counter = 0;  // guarded by counter_mutex
  std::mutex counter_mutex;
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      // [article:mutex-lock]
      workers.emplace_back([&counter, &counter_mutex, increments] {
        for (long i = 0; i < increments; ++i) {
          std::lock_guard lock(counter_mutex);
          ++counter;
        }
      });
      // [/article:mutex-lock]
    }
  }
  return counter;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool race = !args.empty() && args.front() == "--race";
  if (race) args.erase(args.begin());
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: example_mutex [--race] THREADS INCREMENTS\n");
    return 1;
  }
  const int threads = std::atoi(args[0].c_str());
  const long increments = std::atol(args[1].c_str());
  if (threads < 1 || increments < 1) {
    std::fprintf(stderr, "THREADS and INCREMENTS must be positive numbers\n");
    return 1;
  }

  const long expected = threads * increments;
  std::printf("%d threads x %ld increments, expected %ld\n", threads, increments, expected);
  if (race) {
    const long counted = count_without_lock(threads, increments);
    std::printf("without a lock: %ld (lost %ld)\n", counted, expected - counted);
  }
  const long counted = count_with_mutex(threads, increments);
  std::printf("with std::mutex: %ld (lost %ld)\n", counted, expected - counted);
  return counted == expected ? 0 : 1;
}
