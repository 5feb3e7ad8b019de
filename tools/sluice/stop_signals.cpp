// SIGINT and SIGTERM as the stop requests of a fetch run: the first ends admission, the
// second aborts what is in flight. The run may also stop itself (its results cannot be written).
#include "stop_signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include "stop_signals_blocked.hpp"

namespace sluice::cli {

// Asio turns the signals into handlers on an ordinary thread, where requesting a stop
// (which runs callbacks and takes locks) is allowed, unlike inside a signal handler. That
// thread is the only one that takes them: the others the run starts keep the mask of the
// thread that made this, which blocks them (see StopSignalsBlocked).
struct StopSignals::Loop {
  StopSignalsBlocked blocked;  // first made, last ended
  boost::asio::io_context context;
  boost::asio::signal_set signals{context, SIGINT, SIGTERM};
  std::jthread thread;
};

StopSignals::StopSignals(std::chrono::milliseconds grace)
    : grace_(grace), loop_(std::make_unique<Loop>()) {
  wait_for_signal();
  loop_->thread = std::jthread([this] {
    StopSignalsBlocked::unblock_in_this_thread();
    loop_->context.run();
  });
}

StopSignals::~StopSignals() {
  loop_->context.stop();
  loop_->thread.join();
}

void StopSignals::wait_for_signal() {
  loop_->signals.async_wait([this](const boost::system::error_code& error, int number) {
    if (error) return;
    on_signal(number);
    if (!abort_.stop_requested()) wait_for_signal();
  });
}

RunControl StopSignals::control() const {
  return RunControl{.stop = stop_.get_token(), .abort = abort_.get_token()};
}

void StopSignals::request_stop() {
  boost::asio::post(loop_->context, [this] { stop_.request_stop(); });
}

void StopSignals::on_signal(int number) {
  const char* name = number == SIGINT ? "SIGINT" : "SIGTERM";
  int expected = 0;
  if (first_.compare_exchange_strong(expected, number, std::memory_order_acq_rel)) {
    std::cerr << "\nsluice: " << name << ": no new requests; transfers in flight get "
              << std::chrono::duration<double>(grace_).count()
              << " s to finish (Ctrl-C again to abort them now)\n"
              << std::flush;
    stop_.request_stop();
  } else {
    std::cerr << "\nsluice: " << name << " again: aborting transfers in flight\n" << std::flush;
    abort_.request_stop();
  }
}

}  // namespace sluice::cli
