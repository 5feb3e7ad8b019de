// proxy_in_environment over the names libcurl 7.x and 8.x look up (lib/url.c).
#include "engines/proxy_environment.hpp"

#include <array>
#include <cstdlib>

namespace sluice::detail {

bool proxy_in_environment() {
  // libcurl takes only the lower-case http_proxy (the upper case may come from a CGI
  // request's Proxy header), but naming it too only keeps libcurl's own lookup.
  static constexpr std::array kNames = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                        "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  for (const char* name : kNames) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): once per run, and sluice sets no variables
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace sluice::detail
