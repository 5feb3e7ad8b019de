// Sets a reset easy handle up for one URL from the run's Options and the request: protocols,
// redirects, timeouts, the body size cap, --resolve, the method, body, headers and
// credentials, compression,
// TLS, proxy, cookies, the HTTP version, and the socket shaping of the bandwidth cap.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "engines/body_receiver.hpp"
#include "engines/run_resources.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Who follows a redirect: libcurl, within the transfer, or the engine, as a new transfer to
// the target that waits for its own host's turn (see CurlTransfer::redirect_target).
enum class RedirectFollower { Libcurl, Engine };

// What a transfer sends that may differ request by request (see request_method.hpp).
struct RequestShape {
  std::string method = "GET";
  const std::string* body = nullptr;  // none when null; libcurl copies it
  // The request's own headers merged with the run's (merged_headers), with their variant for
  // another host; null: the run's (RunResources). Must outlive the transfer.
  const CurlList* headers = nullptr;
  const CurlList* headers_elsewhere = nullptr;
};

// libcurl checks its low-speed limit once a second, so the stall timeout is whole seconds.
long stall_seconds(std::chrono::milliseconds stall);

// Sets `easy` up to fetch `url` with `request`'s method, body and headers under `options`,
// with the receive buffer and chunk size that `gate` asks for and the run's shared
// `resources` (--resolve, headers). `gate`'s window budget and `resources` must outlive the
// transfer: libcurl keeps pointers to them (string options it copies). Leaves the callbacks
// alone: their owners set them. `origin_host` false: a redirect hop to another host than
// the URL's own, which gets no credentials (user, bearer token, cookie string,
// Authorization and Cookie headers).
void set_easy_options(CURL* easy, const std::string& url, const Options& options,
                      const BandwidthGate& gate, const RunResources& resources,
                      RedirectFollower redirects, const RequestShape& request,
                      bool origin_host = true);

}  // namespace sluice::detail
