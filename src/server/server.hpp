// The embedded HTTP/1.1 test server (`sluice serve`): deterministic bodies, injectable latency
// and faults, and live counters, so that demos, tests and benchmarks have a known peer on
// loopback.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "server/fault_mix.hpp"

namespace sluice {

// The spelling of the rate limit a server announces on every answer.
enum class RateLimitFields {
  Ietf,  // RateLimit-Policy and RateLimit, as in the IETF httpapi drafts
  X,     // X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (delta seconds)
};

// `quota` requests per fixed window of `window`; a quota of 0 means no limit (see Server).
struct RateLimitPolicy {
  std::uint64_t quota = 0;
  std::chrono::seconds window{1};  // whole seconds: the headers count in seconds
  RateLimitFields fields = RateLimitFields::Ietf;
};

// An address and port to listen on; port 0 picks a free one.
struct ListenEndpoint {
  std::string address;
  std::uint16_t port = 0;
};

struct ServerConfig {
  // The first endpoint: Server::port() and base_url() tell its port and URL.
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; Server::port() tells which
  // Further endpoints served alike, e.g. several addresses of a host (see base_urls()).
  std::vector<ListenEndpoint> more_endpoints = {};
  // Added before every answer except /_stats; a request's ?delay= replaces latency and jitter.
  std::chrono::milliseconds latency{0};
  // Each answer waits latency + uniform(-jitter, +jitter), clamped at 0.
  std::chrono::milliseconds jitter{0};
  std::uint64_t seed = 1;  // seeds the jitter draws and the fault draws
  unsigned threads = 1;    // IO threads, each running its own event loop; at least 1
  // Each request without its own ?fault= draws a fault from this mix (see FaultMix).
  FaultMix faults = {};
  // Bytes per second that each connection may send in /bytes/{n} answers, header included; 0
  // means unlimited. Other answers are small, or endless, and go at full speed (see Server).
  std::uint64_t bandwidth = 0;
  // Requests in flight the server handles without queueing; 0 means unlimited. Beyond it each
  // request waits longer, and beyond 4 times it the server answers 503 (see Server).
  std::uint64_t capacity = 0;
  // Requests per window the server accepts before it answers 429; announced on every answer.
  RateLimitPolicy rate_limit = {};
};

// Counters since the server started. /_stats requests are not counted anywhere.
struct ServerStats {
  // Counted when the answer starts, before its first byte leaves: a client that has read
  // a response always finds it counted, however soon it asks.
  std::uint64_t requests = 0;  // answers begun
  // Requests whose header was read and whose answer has not ended; a stalled or endless answer
  // ends only when the peer goes away.
  std::uint64_t in_flight = 0;
  std::uint64_t peak_in_flight = 0;  // the maximum of in_flight
  // The most requests at once whose header was read and whose answer had not begun. A client
  // has none of such an answer yet, so a cap a client keeps on its requests bounds this
  // exactly; in_flight may count an answer a moment after the client has read all of it
  // (its write's handler runs after the last byte left).
  std::uint64_t peak_unanswered = 0;
  // Body bytes the answers counted in `requests` write: a faulted answer counts only the part
  // it writes, and an endless one each chunk as the chunk starts.
  std::uint64_t bytes_sent = 0;
  std::uint64_t connections = 0;  // accepted in total
  std::uint64_t faults = 0;       // answers begun with a fault, also counted in `requests`
  // Requests answered 503 because more than 4 x ServerConfig::capacity were in flight; counted
  // in `requests` too, but not in `faults`.
  std::uint64_t overloaded = 0;
  // Requests answered 429 because the window's quota of ServerConfig::rate_limit was used up;
  // counted in `requests` too, but not in `faults`.
  std::uint64_t rate_limited = 0;
  // Percentiles of how long the answers took on the server, from the read of the request
  // header to the end of the answer's write (or its failure), each rounded up to whole ms;
  // 10000 stands for 10 s or more, 0 for no answer yet. /_stats answers are left out, stalled
  // and endless ones count once the peer has gone.
  std::uint64_t p50_ms = 0;
  std::uint64_t p99_ms = 0;
};

namespace detail {
class ServerCore;
}

// Serves GET and HEAD on:
//   /todos/{id}     a small JSON todo in the shape of the well-known JSON placeholder API
//   /bytes/{n}      n bytes (n <= 1 GiB) of body_byte() from body_pattern.hpp
//   /status/{code}  that status (200..599), tiny JSON body
//   /redirect/{n}   302 to /redirect/{n-1}; /redirect/0 answers 200
//   /redirect-to    302 (or its ?status=3xx) to its ?url= (as written, not percent-decoded);
//                   every method
//   /_stats         ServerStats as JSON, and the last acknowledged-bytes and request bins
//                   (see below)
// Any path takes ?delay=<int>ms or ?delay=<number>s (or 0). Unknown paths get 404, other
// methods 405, bad parameters 400.
//
// Any path but /_stats also takes ?fault=NAME, which changes how the answer goes on the wire,
// after the delay:
//   reset-before  no byte at all: the connection is reset (RST, by SO_LINGER 0 and close).
//   reset-mid     the header with the full Content-Length, the first ?fraction= (default 0.5,
//                 from 0 to 1) of the body rounded down, then a reset. Bytes still in the
//                 kernel's send buffer at the reset are lost, so a peer that reads slowly
//                 gets less.
//   stall         the header with the full Content-Length, then nothing; the connection stays
//                 open until the peer closes it or the server stops.
//   bad-status    "HTTP/1.1 twohundred OK", a Content-Length: 0 and a Connection: close header,
//                 then a clean close (FIN).
//   huge-headers  the normal answer with 100 extra X-Filler-{1..100} headers of 1000 bytes
//                 each, about 100 KB of header in all.
//   endless       status 200, Transfer-Encoding: chunked, then 64 KiB chunks of body_byte()
//                 for as long as the peer reads them.
//   503, 429      that status with Retry-After and a tiny JSON body, instead of the answer.
//                 ?retry_after=N sends N seconds (default 1); ?retry_after_date=N instead
//                 sends the HTTP-date N seconds from now. N is at most 86400.
//   truncate      the header with the full Content-Length, the first ?fraction= (default 0.5,
//                 from 0 to 1) of the body rounded down, then a clean close (FIN).
//   huge-header   instead of the answer, a 200 whose header has one X-Huge line of 10 MiB,
//                 then Content-Length: 0 and Connection: close, and a clean close.
//   endless-1xx   "HTTP/1.1 100 Continue" interim answers, one after another for as long as
//                 the peer reads them; no final answer ever comes.
//   ratelimit-far the normal answer, announcing that no request is left for 100000 s: with
//                 ?form=ietf (the default) RateLimit: "default";r=0;t=100000, with ?form=x
//                 X-RateLimit-Remaining: 0 and X-RateLimit-Reset: 100000.
//   redirect-no-location  a 302 without a Location header and a tiny JSON body.
// Only huge-headers, 503, 429, ratelimit-far and redirect-no-location leave the connection
// open for the next request. A HEAD answer
// has no body: reset-mid and truncate then end after the header, and endless stalls after it.
// ?fault_times=N (with ?fault=) limits the fault to the first N requests for that exact target
// (path and query, as written); later ones are answered normally. Requests without ?fault= draw
// their fault from ServerConfig::faults. An unknown fault or a bad fault parameter is a 400.
//
// With ServerConfig::bandwidth, each connection keeps to that many bytes per second: a
// /bytes/{n} answer (also a truncated or reset-mid one) sends its header at once and then its
// body in chunks of 10 ms of the rate (1 KiB to 16 KiB) on a timer, a token bucket per
// connection whose header bytes count too. The bucket holds one chunk of credit, so no 100 ms
// carries more than the rate allows plus about two chunks. Other answers are not paced.
//
// With ServerConfig::capacity K > 0, the server acts like one with K workers and a queue. A
// request that finds n requests in flight, itself included, once its header is read:
//   n <= K       is answered as usual;
//   K < n <= 4K  waits S * (n - K) / K on top of its delay, as long as K workers that each need
//                S per request take to clear the n - K requests ahead of it. S is the
//                configured latency, or 10 ms if that is 0; a request's ?delay= and the jitter
//                do not change S. Latency thus grows linearly with the excess load, while
//                throughput stays at K / S;
//   n > 4K       is answered at once with 503, Retry-After: 1 and a tiny JSON body, whatever it
//                asked for (no delay, no fault), and the connection stays open.
// Every request but /_stats counts in n while its answer lasts, a paced or stalled one too.
//
// With ServerConfig::rate_limit, a quota of Q > 0 per window of W seconds, the server counts
// requests in fixed windows [k * W, (k + 1) * W) from its start. Each request but /_stats
// takes one of the window's Q turns; once they are used up, the rest of the window is answered
// at once with 429, Retry-After: the seconds until the window ends (rounded up), and a tiny
// JSON body, whatever was asked (no delay, no fault). Every counted answer, 429s too, states
// the limit, with R the turns left and T the seconds until the window ends, rounded up:
//   Ietf  RateLimit-Policy: "default";q=Q;w=W  and  RateLimit: "default";r=R;t=T
//   X     X-RateLimit-Limit: Q, X-RateLimit-Remaining: R and X-RateLimit-Reset: T
// An overload 503 (see capacity) also uses up a turn and states the limit.
//
// The server counts the bytes its clients have acknowledged, from TCP_INFO's tcpi_bytes_acked
// of each connection, in bins of 100 ms: bin k holds the bytes acknowledged in
// [k * 100 ms, (k + 1) * 100 ms) after the server started, headers, bodies and /_stats answers
// alike. A timer on the first IO thread reads every open connection just after each bin ends
// (a tick that runs late moves that much of the next bin into this one), and each connection
// is read once more just before the server closes it. Bytes acknowledged after that close are
// missed: when the server closes first (Connection: close, faults), those still in its send
// buffer. acked_bins() returns every bin up to the last one that is not empty; /_stats has the
// last 600 of them (one minute) as "acked_bins_100ms", and the index of the first of those as
// "acked_bins_first".
//
// The server also counts when requests arrive, in bins of 100 ms aligned with those of the
// acknowledged bytes: bin k holds the requests whose header was read in that 100 ms, every
// request but /_stats (also those turned away with 503). request_bins() returns every bin up to
// the last one that is not empty; /_stats has the last 600 as "request_bins_100ms" and the index
// of the first of those as "request_bins_first".
//
// Thread-safety: port(), base_url(), stats(), acked_bins(), request_bins() and stop() may be
// called from any thread, but not from inside the server's own handlers.
// Lifetime: the constructor raises the open-file limit, binds and listens on every endpoint,
// and starts the IO threads, and throws UsageError if the address cannot be bound or the config is
// invalid. stop() (or the destructor) closes the listener, abandons open connections (stalled and
// endless answers too) and joins the threads.
class Server {
 public:
  explicit Server(ServerConfig config);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  std::uint16_t port() const noexcept;
  std::string base_url() const;  // "http://127.0.0.1:PORT", without a trailing slash
  // The base URL of each endpoint, the first one's first, in the order of the config.
  std::vector<std::string> base_urls() const;
  ServerStats stats() const;
  // Bytes that clients acknowledged, per 100 ms since the server started (see above).
  std::vector<std::uint64_t> acked_bins() const;
  // Requests that arrived, per 100 ms since the server started (see above).
  std::vector<std::uint64_t> request_bins() const;
  void stop();  // idempotent

 private:
  std::unique_ptr<detail::ServerCore> core_;
};

// `sluice serve --tls`: HTTPS in front of the server (src/server/tls_front.hpp).
struct ServeTls {
  bool enabled = false;
  // PEM files; both empty: a self-signed certificate made at start.
  std::filesystem::path certificate;
  std::filesystem::path key;
};

// Runs `sluice serve`: starts a Server, writes "listening on <base_url>" as the first line of
// `out`, and one such line for each further endpoint (flushed at once so that a parent process
// can read the ports), blocks until SIGINT or SIGTERM comes to the process or to the calling
// thread (it blocks both in that thread meanwhile), stops the server and returns the exit
// code 0. A bind failure throws UsageError.
// With `tls` enabled the one endpoint of `config` speaks HTTPS ("listening on https://...").
int serve_until_signal(const ServerConfig& config, std::ostream& out, const ServeTls& tls = {});

// Reads "ADDR:PORT" (an IPv6 address in brackets, "[::1]:8080"); nullopt when it is not one.
std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text);

}  // namespace sluice
