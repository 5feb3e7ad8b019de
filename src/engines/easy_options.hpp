// Sets an easy handle up in two layers: once, after a reset, what the run's Options give every
// transfer (protocols, redirects, timeouts, size cap, --resolve, TLS, proxy, compression, the
// HTTP version, socket shaping); then per URL what a request may change (URL, method, body,
// headers, credentials, cookies).
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

  // A GET without a body: sets none of the method options, which only a reset undoes.
  bool plain() const noexcept;
};

// libcurl checks its low-speed limit once a second, so the stall timeout is whole seconds.
long stall_seconds(std::chrono::milliseconds stall);

// Sets a new or reset `easy` up with what every transfer of the run shares under `options`:
// the receive buffer and chunk size that `gate` asks for and the run's shared `resources`
// (--resolve, proxy). `gate`'s window budget and `resources` must outlive the handle: libcurl
// keeps pointers to them (string options it copies). Leaves the callbacks alone: their owners
// set them.
void set_run_options(CURL* easy, const Options& options, const BandwidthGate& gate,
                     const RunResources& resources, RedirectFollower redirects);

// Sets `easy`, already holding the run's options, up to fetch `url` with `request`'s method,
// body and headers. A request that is not plain() leaves method options a later request must
// not inherit: reset the handle before reusing it. `origin_host` false: a redirect hop to
// another host than the URL's own, which gets no credentials (user, bearer token, cookie
// string, Authorization and Cookie headers); neither does it unset those an earlier request
// of the handle set.
void set_request_options(CURL* easy, const std::string& url, const Options& options,
                         const RunResources& resources, const RequestShape& request,
                         bool origin_host = true);

}  // namespace sluice::detail
