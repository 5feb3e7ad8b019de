// The result of fetching one input URL: exactly one Record per URL, whatever happened.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// Stable error kinds; their names (see to_string) are part of the output format.
enum class ErrorKind {
  InvalidUrl,         // the input line is not a usable URL
  UnsupportedScheme,  // a scheme other than http/https
  Dns,                // the host name could not be resolved
  Connect,            // the TCP connection failed or was refused
  Tls,                // handshake or certificate failure
  Timeout,            // connect or total timeout expired
  Http,               // the server answered with a status >= 400
  Network,            // the connection broke mid-transfer (reset, partial body)
  Protocol,           // the server's answer was not valid HTTP
  TooLarge,           // the body exceeded the configured maximum
  Io,                 // a local write (saving the body) failed
  Cancelled,          // the run was stopped before the transfer finished
  Other,              // anything libcurl reports that fits none of the above
};

std::string_view to_string(ErrorKind kind) noexcept;

struct FetchError {
  ErrorKind kind = ErrorKind::Other;
  std::string message;
};

struct Record {
  std::uint64_t index = 0;  // position of the URL in the input, from 0
  std::string url;
  std::string source;  // "FILE:LINE", "-:LINE" or "arg:N"; where the URL came from
  // Joins the record to the caller's data: the request line's "id", else `source`.
  std::string id;
  std::optional<int> status;
  bool ok = false;
  std::uint64_t bytes = 0;  // the body as kept: decoded when the run asked for compression
  // With Options::compressed and an answer: the body's bytes as they came over the wire.
  std::optional<std::uint64_t> wire_bytes;
  // The HTTP version that answered: "1.0", "1.1", "2" or "3"; unset without an answer.
  std::optional<std::string> http_version;
  // The answer's Content-Type header, as sent; unset without one.
  std::optional<std::string> content_type;
  // The address the last hop's connection went to ("127.0.0.1", "::1"); unset without one.
  std::optional<std::string> remote_ip;
  // From the attempt's start to its end and to the first byte of the answer; an attempt
  // whose redirects sluice followed counts all its hops, as libcurl does for a chain.
  double elapsed_ms = 0;
  double ttfb_ms = 0;
  // The last hop's phases, each on its own (not cumulative): name lookup, TCP connect, TLS
  // handshake. Zero for a phase that did not happen (a reused connection, plain http).
  double dns_ms = 0;
  double connect_ms = 0;
  double tls_ms = 0;
  int attempts = 0;
  std::optional<FetchError> error;
  std::optional<std::string> final_url;  // set only when redirects changed the URL
  std::optional<std::string> saved_to;
  // Not fetched: with Options::skip_existing, its file was already saved (saved_to names it).
  bool skipped = false;
  // With Options::body_digest: the body's SHA-256 (64 lower-case hex digits), as received
  // (decoded with Options::compressed); unset without an answer.
  std::optional<std::string> sha256;
  // With Options::record_headers: the answer's value of each of those headers it sent, keyed
  // by the lower-case name (repeated headers joined by ", ").
  std::map<std::string, std::string> headers;
  // With Options::body_in_memory: the body of an ok record. Not part of the results file.
  std::optional<std::string> body;
};

}  // namespace sluice
