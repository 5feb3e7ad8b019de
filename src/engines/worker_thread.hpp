// A joinable thread with a chosen stack size, for engines that run thousands of threads.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <stop_token>

namespace sluice::detail {

// The stack of an engine's worker: libcurl with OpenSSL needs well under this, where
// glibc's default would reserve 8 MiB per thread.
inline constexpr std::size_t kWorkerStackBytes = 256 * 1024;

// Like std::jthread (a stop source, joined on destruction) but with a stack of
// `stack_bytes`: glibc's default of 8 MiB of reserved address space per thread makes
// -c 10000 cost 80 GB of mappings. Not thread-safe itself; owned by one thread.
class WorkerThread {
 public:
  // Throws std::system_error when the thread cannot be created (e.g. EAGAIN at the
  // process or system thread limit).
  WorkerThread(std::size_t stack_bytes, std::function<void(std::stop_token)> body);
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;
  ~WorkerThread();

  void request_stop() noexcept { stop_.request_stop(); }
  void join() noexcept;

 private:
  struct Start {
    std::function<void(std::stop_token)> body;
    std::stop_token stop;
  };
  static void* trampoline(void* start) noexcept;

  std::stop_source stop_;
  pthread_t thread_{};
  bool joinable_ = false;
};

}  // namespace sluice::detail
