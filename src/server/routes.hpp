// What the test server answers to a method and target, decided without any I/O.
#pragma once

#include <boost/beast/http/message.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/acked_bins.hpp"
#include "server/fault_request.hpp"
#include "server/server.hpp"

namespace sluice::detail {

// How an answer's body is produced.
enum class Resource {
  Json,     // the JSON text route() wrote
  Pattern,  // pattern_size bytes of body_byte()
  Stats,    // the server's counters, filled in by the session when it answers
};

// /bytes/{n} answers at most this many bytes; more is a 400.
inline constexpr std::uint64_t kMaxPatternBytes = std::uint64_t{1} << 30U;

struct Answer {
  unsigned status = 200;
  Resource resource = Resource::Json;
  std::uint64_t pattern_size = 0;
  // Where in the pattern the body starts: non-zero for a 206 answer to a range request.
  std::uint64_t pattern_start = 0;
  // The Location header of a redirect; empty for other answers.
  std::string location = {};
  // From ?delay=; when set it replaces the configured latency and jitter.
  std::optional<std::chrono::milliseconds> delay = std::nullopt;
  // From the fault parameters; the session decides whether the fault hits this request.
  FaultRequest fault = {};
  // More header fields of the answer, in order (Set-Cookie, Content-Encoding).
  std::vector<std::pair<std::string, std::string>> fields = {};
};

// Decides the answer to `request`, which carried `request_body`; a Resource::Json body is
// written into `body`. A target in absolute form ("http://host/path", as a proxy is asked) is
// routed by its path.
Answer route(const boost::beast::http::request_header<>& request, std::string& body,
             std::string_view request_body = {});

// The JSON of a /todos/{id} answer; id >= 1.
std::string todo_json(std::uint64_t id);

// The JSON body of a /status/{code} answer, which the 503 and 429 faults send too.
std::string status_json(unsigned status);

// /_stats shows the last minute of acknowledged-bytes and request bins, which keeps it under
// about 15 KB.
inline constexpr std::size_t kStatsBins = 600;

// The JSON of a /_stats answer: the counters, `acked` as "acked_bins_100ms" starting at bin
// "acked_bins_first", and `requests` as "request_bins_100ms" starting at "request_bins_first".
std::string stats_json(const ServerStats& stats, const RecentBins& acked,
                       const RecentBins& requests);

}  // namespace sluice::detail
