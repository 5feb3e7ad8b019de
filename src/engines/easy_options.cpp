// Sets a reset easy handle up for one URL from the run's Options: protocols, redirects,
// timeouts, the body size cap, --resolve, the request headers and credentials, compression,
// TLS, proxy, cookies, the HTTP version, and the socket shaping of the bandwidth cap.
#include "engines/easy_options.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>

namespace sluice::detail {
namespace {

// CURLOPT_SOCKOPTFUNCTION: runs before connect, when the buffer still shapes the window.
// The size is read at each connect: --max-bandwidth auto changes it as it learns the link.
int set_receive_buffer(void* bytes, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const int size = static_cast<const std::atomic<int>*>(bytes)->load(std::memory_order_relaxed);
    // A refusal only leaves the kernel's default; the pacer still holds the cap.
    ::setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  return CURL_SOCKOPT_OK;
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

void set_request_options(CURL* easy, const Options& options, const RunResources& resources,
                         bool origin_host) {
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  const CurlList& headers = origin_host ? resources.headers : resources.headers_elsewhere;
  if (headers.get() != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  // Credentials go to the URL's own host only, never to the host a redirect leads to, as
  // libcurl does when it follows (CURLOPT_UNRESTRICTED_AUTH off).
  if (origin_host) set_credentials(easy, options);
  // "" asks for every encoding this libcurl can decode, and has it decode the body.
  if (options.compressed) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, curl_http_version(options.http_version));
  if (options.cookie_file) {
    // A reset handle keeps its cookie store: forget what an earlier URL's answers set, so
    // every URL starts from the file alone.
    curl_easy_setopt(easy, CURLOPT_COOKIELIST, "ALL");
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, options.cookie_file->c_str());
  }
}

void set_connection_options(CURL* easy, const Options& options) {
  if (options.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  set_path(easy, CURLOPT_CAINFO, options.ca_file);
  set_path(easy, CURLOPT_CAPATH, options.ca_path);
  set_path(easy, CURLOPT_SSLCERT, options.client_cert);
  set_path(easy, CURLOPT_SSLKEY, options.client_key);
  // Unset, libcurl reads the proxy environment variables itself.
  if (!options.proxy.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
  if (!options.no_proxy.empty()) curl_easy_setopt(easy, CURLOPT_NOPROXY, options.no_proxy.c_str());
}

}  // namespace

long stall_seconds(std::chrono::milliseconds stall) {
  return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(stall).count());
}

void set_easy_options(CURL* easy, const std::string& url, const Options& options,
                      const BandwidthGate& gate, const RunResources& resources,
                      RedirectFollower redirects, bool origin_host) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
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
  if (gate.receive_buffer != nullptr) {
    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &set_receive_buffer);
    // libcurl passes the pointer back as void*; the callback only reads through it.
    curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, const_cast<std::atomic<int>*>(gate.receive_buffer));
  }
  if (gate.bytes != nullptr && gate.bytes->burst() < CURL_MAX_WRITE_SIZE) {
    // A chunk larger than the bucket's burst would always borrow: keep chunks within it.
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE,
                     std::max(1024L, static_cast<long>(gate.bytes->burst())));
  }
  if (resources.resolve.get() != nullptr) {
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resources.resolve.get());
  }
  // curl_easy_perform keeps up to 5 idle connections with the handle; a worker keeps only
  // the one to its last host, so that it holds at most two (see file_budget.cpp). Multi
  // handles ignore this option.
  curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L);
  set_request_options(easy, options, resources, origin_host);
  set_connection_options(easy, options);
}

}  // namespace sluice::detail
