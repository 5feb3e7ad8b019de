// The build's version and commit, and libcurl's description of itself.
#include "sluice/version.hpp"

#include <curl/curl.h>

#include <array>
#include <utility>

#include "build_info.hpp"

namespace sluice {

namespace {

// libcurl 7.87 added feature names of its own, but 7.85 is the oldest sluice builds with.
constexpr std::array<std::pair<int, const char*>, 8> kCurlFeatures{{
    {CURL_VERSION_HTTP2, "HTTP2"},
    {CURL_VERSION_HTTP3, "HTTP3"},
    {CURL_VERSION_SSL, "SSL"},
    {CURL_VERSION_IPV6, "IPv6"},
    {CURL_VERSION_ASYNCHDNS, "AsynchDNS"},
    {CURL_VERSION_LIBZ, "libz"},
    {CURL_VERSION_BROTLI, "brotli"},
    {CURL_VERSION_ZSTD, "zstd"},
}};

}  // namespace

VersionInfo version_info() {
  VersionInfo info;
  info.version = detail::kProjectVersion;
  info.git_commit = detail::kGitCommit;
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  info.curl_version = curl->version;
  if (curl->ssl_version != nullptr) info.tls_library = curl->ssl_version;
  info.http2 = (curl->features & CURL_VERSION_HTTP2) != 0;
  for (const auto& [bit, name] : kCurlFeatures) {
    if ((curl->features & bit) != 0) info.curl_features.emplace_back(name);
  }
  return info;
}

}  // namespace sluice
