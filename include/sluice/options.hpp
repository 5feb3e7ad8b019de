// Everything a fetch run can be told: one documented field per command-line option.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

// The HTTP version a run asks for; the record's http_version says which one answered.
enum class HttpVersion {
  Default,              // HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1
  Http1_1,              // HTTP/1.1 only
  Http2,                // HTTP/2 over TLS, and an upgrade from HTTP/1.1 offered over plain HTTP
  Http2PriorKnowledge,  // HTTP/2 from the first byte, also over plain HTTP (h2c)
};

// How the bodies saved under Options::output_dir are named.
enum class OutputLayout {
  Flat,  // one file per URL in the directory itself: "<readable URL>-<hash of the URL>"
  Path,  // a tree as a mirror keeps it: "host[_port]/path" (see src/output/body_path.hpp)
};

// How a list file (@FILE) is read.
enum class InputFormat {
  Auto,   // by its name: a request per line when it ends in ".jsonl", else a URL per line
  Lines,  // a URL per line
  Jsonl,  // a JSON request per line: {"url", "id", "method", "headers", "body", "out", "sha256"}
};

// Which digest of each body a record carries.
enum class BodyDigest {
  None,
  Sha256,  // the record's sha256, computed as the body arrives
};

enum class EngineKind {
  EventLoop,  // one thread drives libcurl's multi-socket API over epoll
  Threads,    // one thread per unit of concurrency, each with its own easy handle
};

struct Options {
  // Hard cap on requests in flight; a new one is admitted the moment a slot frees.
  std::size_t concurrency = 10;
  // -c auto: the cap is found while the run goes on (see src/limit/adaptive_limit.hpp),
  // starting at 10 and never above max_concurrency; `concurrency` is then ignored.
  bool adaptive_concurrency = false;
  std::size_t max_concurrency = 1000;
  EngineKind engine = EngineKind::EventLoop;
  // The event loop's threads: each runs a loop of its own over an equal share of the slots,
  // for runs whose one loop is busy the whole time (tens of thousands of small answers a
  // second). At most `concurrency`; above 1 only on EngineKind::EventLoop, and not under a
  // bandwidth cap (max_bandwidth, adaptive_bandwidth), which one loop paces. Zero (auto, the
  // command line's default): a loop per core, up to 4, with at least 16 slots each; one on the
  // thread engine, under a bandwidth cap and under a per-host cap (each loop keeps its own
  // connections to a host). With more than one loop, records reach the sink from each
  // loop's thread, as from the thread engine's workers; the library's default is one loop,
  // so that a callback written for one thread stays right.
  std::size_t event_loops = 1;
  // One cap on the bytes per second received by all transfers together; zero means none.
  // Enforced on the wire: reads are paced from a shared token bucket, and each socket's
  // receive buffer is bounded, so TCP slows the senders instead of the kernel buffering.
  std::uint64_t max_bandwidth = 0;
  // --max-bandwidth auto: the cap is learned as the run goes, the link's rate found from the
  // delivery rate and the sockets' round trips and held just under it, so the link's queue
  // stays near empty (see src/limit/link_controller.hpp); max_bandwidth is then ignored.
  bool adaptive_bandwidth = false;
  // The bandwidth bucket's depth in bytes; zero picks tens of milliseconds of the cap.
  std::uint64_t bandwidth_burst = 0;
  // Request starts per second over the whole run; zero means no limit.
  double rate = 0;
  // Requests in flight per host (scheme, host and port), on top of `concurrency`; zero
  // means no per-host cap. URLs of a host at its cap wait aside while other hosts go on,
  // and a 429 or 503 with Retry-After then also pauses the URLs of its host.
  std::size_t per_host = 0;
  // New connections opening at once, per host and overall, at first: the window doubles
  // with each round of connects that succeed and halves when one is refused, times out or
  // takes a SYN retransmission, as TCP's slow start does with packets. Requests on open
  // connections are not held back. Zero turns the pacing off.
  std::size_t connect_window = 32;
  // Request starts per second to each host (scheme, host and port), as a crawler's per-domain
  // delay: starts to one host, retries included, are at least 1 / per_host_rate apart. A
  // host within its interval waits aside while other hosts go on. Zero means none.
  double per_host_rate = 0;

  // Whole-transfer limit; zero means none.
  std::chrono::milliseconds timeout{0};
  // Limit on name resolution plus the TCP/TLS handshake.
  std::chrono::milliseconds connect_timeout{30'000};
  // An attempt that receives no byte for this long fails as a timeout; zero means never.
  // libcurl checks it once a second, so it is rounded up to whole seconds.
  std::chrono::milliseconds stall_timeout{60'000};
  // Extra attempts after a transient failure (connect, timeout, broken connection, HTTP
  // 429/502/503/504). A waiting retry holds no concurrency slot.
  int retries = 2;
  // Retry n waits a uniform random time in [0, min(max_retry_wait, backoff * 2^(n-1))]
  // ("full jitter"), or what the server's Retry-After asks, capped by max_retry_wait.
  std::chrono::milliseconds retry_backoff{1'000};
  std::chrono::milliseconds max_retry_wait{60'000};
  // After a stop request, transfers in flight get this long to finish before they are
  // aborted (RunControl::stop).
  std::chrono::milliseconds grace{5'000};
  // A body longer than this ends the transfer with ErrorKind::TooLarge; zero means no limit.
  std::uint64_t max_body = 0;
  // Hand each ok answer's body to the caller in Record::body, up to this many bytes: a longer
  // body ends its transfer with ErrorKind::TooLarge, as max_body does. Zero: bodies are not
  // kept in memory (output_dir saves them to files; both may be given).
  std::uint64_t body_in_memory = 0;
  // Redirects followed per URL (http and https only).
  long max_redirects = 10;
  // Save each body under this directory; nothing is written outside it. The directory is
  // opened once when the run starts and every body is written relative to it, so moving it
  // (or putting something else at its path) mid-run does not send bodies elsewhere.
  std::optional<std::filesystem::path> output_dir;
  // The names of the saved bodies; a request's own `out` (Request::out) overrides it.
  OutputLayout layout = OutputLayout::Flat;
  // A URL whose file is already under output_dir is not fetched; its record says skipped. With
  // a request's `sha256`, the file must also have that digest (it is read whole to check).
  bool skip_existing = false;
  // A body is written to "<file>.part", which a cut transfer (or a killed run) leaves behind;
  // the next attempt, in this run or a later one, asks for the rest with a range request and
  // appends it when the server answers 206, or starts over on a 200.
  bool continue_partial = false;
  // With output_dir: also save the bodies of answers with a status of 400 or more (their
  // records still fail as http errors).
  bool save_errors = false;
  BodyDigest body_digest = BodyDigest::None;
  // Response headers whose values every record carries (Record::headers); names match
  // whatever their case.
  std::vector<std::string> record_headers;
  // Names resolved to given addresses instead of asking the system's resolver, as curl's
  // --resolve: each "HOST:PORT:ADDR[,ADDR]...", e.g. "example.com:443:127.0.0.1".
  std::vector<std::string> resolve;
  // Skip TLS certificate and host name verification.
  bool insecure = false;
  // Trust the CA certificates in this PEM file instead of the system's bundle, as curl's
  // --cacert. The library reads no environment variable; the CLI fills it from CURL_CA_BUNDLE
  // or SSL_CERT_FILE when not given.
  std::optional<std::filesystem::path> ca_file;
  // Trust the CA certificates in this directory (OpenSSL's hashed names), as curl's --capath.
  std::optional<std::filesystem::path> ca_path;
  // Client certificate (PEM) for TLS, and its private key when the certificate file holds none.
  std::optional<std::filesystem::path> client_cert;
  std::optional<std::filesystem::path> client_key;
  // Extra request headers, each "Name: value" as curl's -H: one replaces a header libcurl
  // would send by default (Accept, User-Agent...); "Name:" removes it; "Name;" sends it empty.
  // Sent on every request of the run, also after redirects to other hosts, as curl does.
  std::vector<std::string> headers;
  // HTTP Basic credentials "USER[:PASSWORD]" as curl's --user; empty means none. Sent to the
  // URL's host only, never after a redirect to another host, and never written anywhere.
  std::string user;
  // Sent as "Authorization: Bearer TOKEN" to the URL's host only; empty means none. Never
  // written anywhere.
  std::string bearer_token;
  // Ask for gzip, deflate, br and zstd answers and decode them: a record's bytes (and a saved
  // body) are then the decoded body, and its wire_bytes what came over the wire. Without it a
  // body is kept as it came, encoded or not.
  bool compressed = false;
  HttpVersion http_version = HttpVersion::Default;
  // The proxy of every request, as curl's --proxy ("http://host:port", "socks5h://host");
  // empty means the environment's, as libcurl reads it (http_proxy, HTTPS_PROXY, ALL_PROXY).
  std::string proxy;
  // Hosts reached without a proxy, as curl's --noproxy: "a.example,b.example", or "*" for all;
  // empty means the environment's NO_PROXY.
  std::string no_proxy;
  // The request method of every request, as curl's -X ("POST", "PUT", ...); empty means GET,
  // or POST when `body` is set. A request line's own method replaces it.
  std::string method;
  // Sent as the body of every request (as curl's --data-binary); a request line's own body
  // replaces it. Unset: no body.
  std::optional<std::string> body;
  // Retry failed requests of every method; by default only GET, HEAD and OPTIONS requests
  // are retried, as only they are safe to send twice.
  bool retry_all_methods = false;
  // Sent as the Cookie header of every request: "a=b; c=d".
  std::string cookie;
  // Cookies read from this Netscape-format cookie file (as curl's --cookie FILE) and sent to
  // the hosts and paths they name; cookies that answers set are sent back to their host by
  // later requests of the same transfer (redirects).
  std::optional<std::filesystem::path> cookie_file;
  // A range that expands to more URLs than this is an invalid_url record.
  std::uint64_t max_expansion = 10'000'000;
  // Take "{}" and "[]" in URLs literally: no range expansion, as curl's --globoff.
  bool globoff = false;
  InputFormat input_format = InputFormat::Auto;
  // Each source is one URL exactly as given: no ranges, no "@FILE" lists, no "-" for standard
  // input; an empty list of sources is then a run of no URLs. For callers whose URLs come
  // from data rather than a command line (the Python module).
  bool literal_sources = false;
  std::string user_agent = "sluice/0.1";
  // An earlier results file: URLs that already have a final record there are skipped (an
  // ok record, or a failure that another attempt would not fix; cancelled and transient
  // failures are fetched again). When the file holds other lines, it is rewritten without
  // them (atomically, through a temporary file and a rename), so that appending the run's
  // records to it leaves one record per URL.
  std::optional<std::filesystem::path> resume_from;
  // With resume_from: fetch every failed URL again, not only the transient failures.
  bool retry_failed = false;
  // Append one JSON line of the run's gauges to this file every 100 ms while the run goes
  // (format in docs/flow-control.md, "--stats-log").
  std::optional<std::filesystem::path> stats_log;
};

}  // namespace sluice
