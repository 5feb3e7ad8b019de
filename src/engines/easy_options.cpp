// Sets an easy handle up in two layers: once, after a reset, what the run's Options give every
// transfer (protocols, redirects, timeouts, size cap, --resolve, TLS, proxy, compression, the
// HTTP version, socket shaping); then per URL what a request may change (URL, method, body,
// headers, credentials, cookies).
#include "engines/easy_options.hpp"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace sluice::detail {
namespace {

// CURLOPT_SOCKOPTFUNCTION: runs before connect, when the buffer still shapes the window
// (and the window scale, fixed by the SYN).
int set_receive_buffer(void* window, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const int bytes = static_cast<WindowBudget*>(window)->receive_buffer();
    // A refusal only leaves the kernel's default; the pacer still holds the cap.
    ::setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  return CURL_SOCKOPT_OK;
}

// libcurl allocates a receive buffer of CURLOPT_BUFFERSIZE (16 KiB by default) for each
// handle that connects, 160 MiB at -c 10000. Past -c 640 the buffers share 10 MiB, each of
// at least libcurl's least, 1 KiB (from -c 10240): a large body then takes more reads, which
// so wide a run, bound by its servers' latency, can afford (docs/benchmarks.md, case (d)).
long receive_buffer_bytes(const Options& options) {
  constexpr long kShared = 10L * 1024 * 1024;
  const auto handles = static_cast<long>(std::max<std::size_t>(
      options.adaptive_concurrency ? options.max_concurrency : options.concurrency, 1));
  return std::clamp(kShared / handles, 1024L, static_cast<long>(CURL_MAX_WRITE_SIZE));
}

long curl_http_version(HttpVersion version) {
  switch (version) {
    case HttpVersion::Http1_1:
      return CURL_HTTP_VERSION_1_1;
    case HttpVersion::Http2:
      return CURL_HTTP_VERSION_2_0;
    case HttpVersion::Http2PriorKnowledge:
      return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    case HttpVersion::Default:
      break;
  }
  return CURL_HTTP_VERSION_2TLS;
}

// Whether a transfer of `url` may become an HTTP/2 stream on a connection another transfer
// is setting up: over TLS, where ALPN tells, or with prior knowledge.
bool may_multiplex(const std::string& url, HttpVersion version) {
  if (version == HttpVersion::Http2PriorKnowledge) return true;
  return version != HttpVersion::Http1_1 && url.size() > 6 &&
         strncasecmp(url.c_str(), "https:", 6) == 0;
}

void set_path(CURL* easy, CURLoption option, const std::optional<std::filesystem::path>& path) {
  if (path) curl_easy_setopt(easy, option, path->c_str());
}

void set_credentials(CURL* easy, const Options& options) {
  if (!options.user.empty()) curl_easy_setopt(easy, CURLOPT_USERPWD, options.user.c_str());
  if (!options.bearer_token.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, options.bearer_token.c_str());
  }
  if (!options.cookie.empty()) curl_easy_setopt(easy, CURLOPT_COOKIE, options.cookie.c_str());
}

void set_method(CURL* easy, const RequestShape& request) {
  if (request.body != nullptr) {
    // Sets POST (and libcurl's form Content-Type, as curl's --data does; a header replaces it).
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, request.body->c_str());
  } else if (request.method == "POST") {
    // An empty body, sent with Content-Length: 0 rather than none.
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t{0});
    curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, "");
  }
  if (request.method == "HEAD") {
    // Not CURLOPT_CUSTOMREQUEST: libcurl would then wait for a body that never comes.
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "GET" && request.body != nullptr) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "GET");
  }
}

void set_shape(CURL* easy, const Options& options, const RunResources& resources,
               const RequestShape& request, bool origin_host) {
  set_method(easy, request);
  const CurlList& run_headers = origin_host ? resources.headers : resources.headers_elsewhere;
  const CurlList* own_headers = origin_host ? request.headers : request.headers_elsewhere;
  const CurlList& headers = own_headers != nullptr ? *own_headers : run_headers;
  // Set even when null: the handle may still point at an earlier request's own list.
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  // Credentials go to the URL's own host only, never to the host a redirect leads to, as
  // libcurl does when it follows (CURLOPT_UNRESTRICTED_AUTH off).
  if (origin_host) set_credentials(easy, options);
  if (options.cookie_file) {
    // A reused handle keeps its cookie store: forget what an earlier URL's answers set, so
    // every URL starts from the file, which libcurl reads once per transfer it is set for.
    curl_easy_setopt(easy, CURLOPT_COOKIELIST, "ALL");
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, options.cookie_file->c_str());
  }
}

void set_connection_options(CURL* easy, const Options& options, const RunResources& resources) {
  if (options.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  set_path(easy, CURLOPT_CAINFO, options.ca_file);
  set_path(easy, CURLOPT_CAPATH, options.ca_path);
  set_path(easy, CURLOPT_SSLCERT, options.client_cert);
  set_path(easy, CURLOPT_SSLKEY, options.client_key);
  // Unset, libcurl reads the proxy environment variables itself, five lookups per transfer;
  // when none was set as the run began, "" says the same (no proxy, no exceptions) at once.
  const char* const unset = resources.proxy_in_environment ? nullptr : "";
  const char* proxy = options.proxy.empty() ? unset : options.proxy.c_str();
  const char* no_proxy = options.no_proxy.empty() ? unset : options.no_proxy.c_str();
  if (proxy != nullptr) curl_easy_setopt(easy, CURLOPT_PROXY, proxy);
  if (no_proxy != nullptr) curl_easy_setopt(easy, CURLOPT_NOPROXY, no_proxy);
}

}  // namespace

long stall_seconds(std::chrono::milliseconds stall) {
  return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(stall).count());
}

void set_run_options(CURL* easy, const Options& options, const BandwidthGate& gate,
                     const RunResources& resources, RedirectFollower redirects) {
  // Signals would interrupt other threads' transfers; timeouts work without them.
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  const bool libcurl_follows = redirects == RedirectFollower::Libcurl && options.max_redirects > 0;
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, libcurl_follows ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, options.max_redirects);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  if (options.stall_timeout.count() > 0) {
    // "Slower than 1 byte/s for D seconds": libcurl's speed is a whole number of bytes
    // per second, so a trickle of a byte every few seconds also counts as a stall.
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, stall_seconds(options.stall_timeout));
  }
  if (options.max_body > 0) {
    // Refuses at once an answer whose Content-Length is too large; the body receiver cuts
    // off the rest.
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body));
  }
  if (gate.window != nullptr) {
    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &set_receive_buffer);
    curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, gate.window);
  }
  long buffer = receive_buffer_bytes(options);
  if (gate.bytes != nullptr && gate.bytes->burst() < CURL_MAX_WRITE_SIZE) {
    // A chunk larger than the bucket's burst would always borrow: keep chunks within it.
    buffer = std::min(buffer, std::max(1024L, static_cast<long>(gate.bytes->burst())));
  }
  // Set after every curl_easy_reset, which leaves the buffer allocated but forgets its size;
  // libcurl 7.88 resizes the buffer to the size set.
  if (buffer != CURL_MAX_WRITE_SIZE) curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, buffer);
  // curl_easy_perform keeps up to 5 idle connections with the handle; a worker keeps only
  // the one to its last host, so that it holds at most two (see file_budget.cpp). Multi
  // handles ignore this option.
  curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  // "" asks for every encoding this libcurl can decode, and has it decode the body.
  if (options.compressed) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, curl_http_version(options.http_version));
  set_connection_options(easy, options, resources);
}

void set_request_options(CURL* easy, const std::string& url, const Options& options,
                         const RunResources& resources, const RequestShape& request,
                         bool origin_host) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  // Under a multi handle, wait for a connection being set up to the host to tell (by ALPN)
  // whether it multiplexes, instead of opening a connection per transfer at the start (see
  // event_loop_engine.hpp). Set either way: the handle keeps it for its next URL.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, may_multiplex(url, options.http_version) ? 1L : 0L);
  if (resources.resolve.get() != nullptr) {
    // libcurl loads the list into its DNS cache as the next transfer starts, and then
    // forgets it: set again for each, as a reset handle had it.
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resources.resolve.get());
  }
  set_shape(easy, options, resources, request, origin_host);
}

bool RequestShape::plain() const noexcept { return body == nullptr && method == "GET"; }

}  // namespace sluice::detail
