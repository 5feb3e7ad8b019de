// One URL of the input, as the reader hands it to an engine: where it came from and what
// to fetch, or why it cannot be fetched.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "heap_optional.hpp"
#include "sluice/record.hpp"
#include "sluice/request.hpp"

namespace sluice::detail {

// What a request line or a library caller said beyond the URL, on the heap only when it said
// anything: most items are plain URLs, and a Request in place was 224 of every item's bytes,
// 22,000 items queued or running at -c 10000 (see docs/benchmarks.md). Reads as a Request
// whose fields are all empty when it holds none; its url is never kept (see InputItem).
class SparseRequest {
 public:
  SparseRequest() = default;
  SparseRequest(SparseRequest&&) noexcept = default;
  SparseRequest& operator=(SparseRequest&&) noexcept = default;
  // Keeps `request` only if a field but its url is set.
  SparseRequest& operator=(Request&& request);

  const Request& operator*() const noexcept { return fields_ ? *fields_ : kNone; }
  const Request* operator->() const noexcept { return &**this; }
  // The fields to set, allocated on the first call.
  Request& edit();

 private:
  static const Request kNone;
  std::unique_ptr<Request> fields_;
};

// An attempt that follows redirects as new transfers (see CurlTransfer): where it began, so
// that a retry begins there again, and what its hops so far took.
struct RedirectTrail {
  std::string start_url;   // the item's own fetch_url
  std::string start_host;  // and its host
  int hops = 0;            // redirects followed
  double elapsed_ms = 0;   // the hops' time so far, as the record counts it
  double ttfb_ms = 0;
  // Set once a redirect changed the method (303, or 301/302 after a POST: see
  // method_after_redirect): the hops from there on use it and send no body.
  std::optional<std::string> method = std::nullopt;
};

struct InputItem {
  std::uint64_t index = 0;  // input order, from 0
  // As given, after range expansion and trimming; the first 256 bytes of an over-long line.
  // Its userinfo is redacted (redact_userinfo): only fetch_url holds a URL's credentials.
  std::string url;
  // What to fetch: url with "http://" prepended when it had no scheme; empty when error is set.
  std::string fetch_url;
  // "FILE:LINE", "-:LINE" for standard input, "arg:N" for the N-th command-line source (from 1).
  std::string source;
  // host_key(fetch_url) when per-host limits are on, else empty (the item is never held
  // back for its host).
  std::string host;
  // What a request line or a library caller said beyond the URL (request->url is unused:
  // url and fetch_url hold it). Empty fields: the run's options decide.
  SparseRequest request;
  // Set when not fetchable: ErrorKind::InvalidUrl or ErrorKind::UnsupportedScheme. This and
  // last_error are on the heap: few items have one, and in place they were 96 of every
  // item's bytes.
  HeapOptional<FetchError> error;
  // Attempts already made; non-zero only on an item that is waiting to be retried.
  int attempts = 0;
  // The error of the latest attempt, kept for the record if no later attempt succeeds.
  HeapOptional<FetchError> last_error;
  // The status of the latest attempt's answer, if it got one (a 503 that is to be retried).
  std::optional<int> last_status;
  // Set once the attempt has followed a redirect: fetch_url and host are then the
  // redirect's target and its host. On the heap: few items follow one, and in place it was
  // 136 of every item's bytes, 22,000 items at -c 10000 (see docs/benchmarks.md).
  std::unique_ptr<RedirectTrail> redirected;
};

}  // namespace sluice::detail
