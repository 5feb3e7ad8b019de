// The embedded HTTP/1.1 test server (`sluice serve`): deterministic bodies, injectable latency,
// and live counters, so that demos, tests and benchmarks have a known peer on loopback.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

namespace sluice {

struct ServerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; Server::port() tells which
  // Added before every answer except /_stats; a request's ?delay= replaces latency and jitter.
  std::chrono::milliseconds latency{0};
  // Each answer waits latency + uniform(-jitter, +jitter), clamped at 0.
  std::chrono::milliseconds jitter{0};
  std::uint64_t seed = 1;  // seeds the jitter draws
  unsigned threads = 1;    // IO threads, each running its own event loop; at least 1
};

// Counters since the server started. /_stats requests are not counted anywhere.
struct ServerStats {
  // Counted when the answer starts, before its first byte leaves: a client that has read
  // a response always finds it counted, however soon it asks.
  std::uint64_t requests = 0;        // answers begun
  std::uint64_t in_flight = 0;       // requests whose header was read and answer not yet written
  std::uint64_t peak_in_flight = 0;  // the maximum of in_flight
  std::uint64_t bytes_sent = 0;      // body bytes of the answers counted in `requests`
  std::uint64_t connections = 0;     // accepted in total
};

namespace detail {
class ServerCore;
}

// Serves GET and HEAD on:
//   /todos/{id}     a small JSON todo in the shape of the well-known JSON placeholder API
//   /bytes/{n}      n bytes (n <= 1 GiB) of body_byte() from body_pattern.hpp
//   /status/{code}  that status (200..599), tiny JSON body
//   /_stats         ServerStats as JSON
// Any path takes ?delay=<int>ms or ?delay=<number>s (or 0). Unknown paths get 404, other
// methods 405, bad parameters 400.
//
// Thread-safety: port(), base_url(), stats() and stop() may be called from any thread, but
// not from inside the server's own handlers.
// Lifetime: the constructor raises the open-file limit, binds, listens and starts the IO
// threads, and throws UsageError if the address cannot be bound. stop() (or the destructor)
// closes the listener, abandons open connections and joins the threads.
class Server {
 public:
  explicit Server(ServerConfig config);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  std::uint16_t port() const noexcept;
  std::string base_url() const;  // "http://127.0.0.1:PORT", without a trailing slash
  ServerStats stats() const;
  void stop();  // idempotent

 private:
  std::unique_ptr<detail::ServerCore> core_;
};

// Runs `sluice serve`: starts a Server, writes "listening on <base_url>" as the first line of
// `out` (flushed at once so that a parent process can read the port), blocks until SIGINT or
// SIGTERM, stops the server and returns the exit code 0. A bind failure throws UsageError.
int serve_until_signal(const ServerConfig& config, std::ostream& out);

}  // namespace sluice
