// A joinable thread with a chosen stack size, for engines that run thousands of threads.
#include "engines/worker_thread.hpp"

#include <system_error>

namespace sluice::detail {

WorkerThread::WorkerThread(std::size_t stack_bytes, std::function<void(std::stop_token)> body) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes);
  auto start = std::make_unique<Start>(Start{std::move(body), stop_.get_token()});
  const int error = pthread_create(&thread_, &attributes, &WorkerThread::trampoline, start.get());
  pthread_attr_destroy(&attributes);
  if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_create");
  start.release();  // the new thread owns it now
  joinable_ = true;
}

WorkerThread::~WorkerThread() {
  request_stop();
  join();
}

void WorkerThread::join() noexcept {
  if (!joinable_) return;
  pthread_join(thread_, nullptr);
  joinable_ = false;
}

void* WorkerThread::trampoline(void* start) noexcept {
  const std::unique_ptr<Start> owned(static_cast<Start*>(start));
  owned->body(owned->stop);
  return nullptr;
}

}  // namespace sluice::detail
