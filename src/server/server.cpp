// The test server's listener and IO threads: accepts connections and hands each to a Session
// on one of the io_contexts, round robin.
#include "server/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "fd_limit.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "sluice/errors.hpp"

namespace sluice {
namespace detail {
namespace {

namespace asio = boost::asio;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, IoExecutor>;
using WorkGuard = asio::executor_work_guard<IoExecutor>;

// Accept errors such as EMFILE clear up only when connections close, so the acceptor pauses
// instead of spinning or giving up.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string endpoint_text(const asio::ip::address& address, std::uint16_t port) {
  const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(port);
}

}  // namespace

// Thread-safety and lifetime: those of Server, which owns it.
class ServerCore {
 public:
  explicit ServerCore(const ServerConfig& config);
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;
  ~ServerCore() { stop(); }

  std::uint16_t port() const noexcept { return port_; }
  const std::string& base_url() const noexcept { return base_urls_.front(); }
  const std::vector<std::string>& base_urls() const noexcept { return base_urls_; }
  ServerStats stats() const noexcept { return state_.snapshot(); }
  std::vector<std::uint64_t> acked_bins() const { return state_.acked_bins().bins(); }
  std::vector<std::uint64_t> request_bins() const { return state_.request_bins().bins(); }
  void stop();

 private:
  // One acceptor per endpoint, each with its own retry timer, all on contexts_[0].
  struct Listener {
    Acceptor acceptor;
    IoTimer accept_retry;
  };

  void listen(const ListenEndpoint& endpoint);
  void accept(Listener& listener);
  void on_accept(Listener& listener, const boost::system::error_code& ec, IoSocket socket);
  void sample_acked_bins();

  ServerState state_;
  // One single-threaded event loop per IO thread, so sessions need no strands or locks.
  // contexts_[0] also runs the acceptor. Emptied by stop().
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<WorkGuard> work_guards_;  // keep idle contexts running until stop()
  // Never empty once constructed; emptied by stop(). A deque: handlers hold references.
  std::deque<Listener> listeners_;
  // Ticks on contexts_[0] just after each bin of the acknowledged bytes ends.
  std::optional<IoTimer> acked_sampler_;
  std::size_t next_context_ = 0;  // touched only by the acceptors' handlers, all on contexts_[0]
  std::uint16_t port_ = 0;        // the first endpoint's
  std::vector<std::string> base_urls_;  // one per endpoint; kept after stop()

  std::mutex stop_mutex_;
  std::vector<std::thread> threads_;  // guarded by stop_mutex_ once started
};

ServerCore::ServerCore(const ServerConfig& config) : state_(config) {
  if (config.threads == 0) {
    throw UsageError("the server needs at least 1 thread");
  }
  if (config.rate_limit.quota > 0 && config.rate_limit.window.count() < 1) {
    throw UsageError("the rate limit's window must be at least 1 s");
  }
  if (auto error = fault_mix_error(config.faults)) {
    throw UsageError("bad fault mix: " + *error);
  }
  raise_open_file_limit();
  for (unsigned i = 0; i < config.threads; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    work_guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
  listen({config.address, config.port});
  for (const auto& endpoint : config.more_endpoints) {
    listen(endpoint);
  }
  for (auto& listener : listeners_) {
    accept(listener);
  }
  acked_sampler_.emplace(contexts_.front()->get_executor());
  sample_acked_bins();
  try {
    for (auto& context : contexts_) {
      threads_.emplace_back([&context] { context->run(); });
    }
  } catch (...) {
    stop();
    throw;
  }
}

void ServerCore::listen(const ListenEndpoint& where_to) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(where_to.address, ec);
  if (ec) {
    throw UsageError("cannot listen on '" + where_to.address + "': not an IP address");
  }
  const auto where = endpoint_text(address, where_to.port);
  const auto fail = [&where](const boost::system::error_code& error) {
    return UsageError("cannot listen on " + where + ": " + error.message());
  };
  const auto executor = contexts_.front()->get_executor();
  auto& listener = listeners_.emplace_back(Acceptor(executor), IoTimer(executor));
  auto& acceptor = listener.acceptor;
  const asio::ip::tcp::endpoint endpoint(address, where_to.port);
  if (acceptor.open(endpoint.protocol(), ec)) {
    throw fail(ec);
  }
  // Lets a restarted `sluice serve` rebind its port while old connections sit in TIME_WAIT.
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec) ||
      acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    throw fail(ec);
  }
  const auto port = acceptor.local_endpoint(ec).port();
  if (ec) {
    throw fail(ec);
  }
  if (base_urls_.empty()) {
    port_ = port;
  }
  base_urls_.push_back("http://" + endpoint_text(address, port));
}

void ServerCore::accept(Listener& listener) {
  auto& target = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  listener.acceptor.async_accept(
      target, [this, &listener](const boost::system::error_code& ec, IoSocket socket) {
        on_accept(listener, ec, std::move(socket));
      });
}

void ServerCore::on_accept(Listener& listener, const boost::system::error_code& ec,
                           IoSocket socket) {
  if (ec == asio::error::operation_aborted) {
    return;
  }
  if (ec) {
    listener.accept_retry.expires_after(kAcceptRetryDelay);
    listener.accept_retry.async_wait([this, &listener](const boost::system::error_code& wait_ec) {
      if (!wait_ec) {
        accept(listener);
      }
    });
    return;
  }
  state_.on_connection();
  boost::system::error_code ignored;
  // Answers leave in one write; Nagle's algorithm would only hold back their last segment.
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  const auto executor = socket.get_executor();
  // The session belongs to its socket's thread, so it starts there.
  asio::post(executor, [session = std::make_shared<Session>(std::move(socket), state_)] {
    session->start();
  });
  accept(listener);
}

void ServerCore::sample_acked_bins() {
  const auto& bins = state_.acked_bins();
  // Aimed at the next bin boundary from the start, not 100 ms after the last tick, so that a
  // late tick does not shift every later one.
  const auto ended = (std::chrono::steady_clock::now() - bins.start()) / AckedBins::kWidth;
  acked_sampler_->expires_at(bins.start() + (ended + 1) * AckedBins::kWidth);
  acked_sampler_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    state_.acked_bins().sample(std::chrono::steady_clock::now());
    sample_acked_bins();
  });
}

void ServerCore::stop() {
  const std::lock_guard lock(stop_mutex_);
  if (contexts_.empty()) {
    return;
  }
  for (auto& context : contexts_) {
    context->stop();
  }
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  // No thread runs the loops any more, so their objects can be torn down from here; destroying
  // the contexts destroys the sessions their pending handlers own, closing every connection.
  acked_sampler_.reset();
  listeners_.clear();
  work_guards_.clear();
  contexts_.clear();
}

}  // namespace detail

Server::Server(ServerConfig config) : core_(std::make_unique<detail::ServerCore>(config)) {}

Server::~Server() = default;

std::uint16_t Server::port() const noexcept { return core_->port(); }

std::string Server::base_url() const { return core_->base_url(); }

std::vector<std::string> Server::base_urls() const { return core_->base_urls(); }

ServerStats Server::stats() const { return core_->stats(); }

std::vector<std::uint64_t> Server::acked_bins() const { return core_->acked_bins(); }

std::vector<std::uint64_t> Server::request_bins() const { return core_->request_bins(); }

void Server::stop() { core_->stop(); }

}  // namespace sluice
