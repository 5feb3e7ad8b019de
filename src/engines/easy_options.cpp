// Sets a reset easy handle up for one URL from the run's Options: protocols, redirects,
// timeouts, the body size cap, --resolve, the user agent, and the socket shaping of the
// bandwidth cap.
#include "engines/easy_options.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace sluice::detail {
namespace {

// CURLOPT_SOCKOPTFUNCTION: runs before connect, when the buffer still shapes the window.
int set_receive_buffer(void* bytes, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    // A refusal only leaves the kernel's default; the pacer still holds the cap.
    ::setsockopt(socket, SOL_SOCKET, SO_RCVBUF, bytes, sizeof(int));
  }
  return CURL_SOCKOPT_OK;
}

}  // namespace

long stall_seconds(std::chrono::milliseconds stall) {
  return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(stall).count());
}

void set_easy_options(CURL* easy, const std::string& url, const Options& options,
                      const BandwidthGate& gate, const ResolveList& resolve,
                      RedirectFollower redirects) {
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
  if (gate.receive_buffer) {
    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &set_receive_buffer);
    curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, &*gate.receive_buffer);
  }
  if (gate.bytes != nullptr && gate.bytes->burst() < CURL_MAX_WRITE_SIZE) {
    // A chunk larger than the bucket's burst would always borrow: keep chunks within it.
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE,
                     std::max(1024L, static_cast<long>(gate.bytes->burst())));
  }
  if (resolve.get() != nullptr) curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve.get());
  // curl_easy_perform keeps up to 5 idle connections with the handle; a worker keeps only
  // the one to its last host, so that it holds at most two (see file_budget.cpp). Multi
  // handles ignore this option.
  curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  if (options.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

}  // namespace sluice::detail
