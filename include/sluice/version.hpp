// What this build of sluice is: its version, the commit it was configured from, and the
// libcurl it runs on (`sluice --version` prints this).
#pragma once

#include <string>
#include <vector>

namespace sluice {

// Plain values, copied out of libcurl's own description of itself.
struct VersionInfo {
  std::string version;       // the project's version, e.g. "0.1.0"
  std::string git_commit;    // `git describe --always --dirty` when configured, or "unknown"
  std::string curl_version;  // of the libcurl loaded at run time, e.g. "7.88.1"
  std::string tls_library;   // e.g. "OpenSSL/3.0.15"; empty when libcurl has no TLS
  bool http2 = false;        // libcurl can speak HTTP/2
  std::vector<std::string> curl_features;  // the ones worth knowing, e.g. "HTTP2", "IPv6"
};

// Safe to call before anything else of the library; not meant for concurrent calls, as
// libcurl fills its description lazily.
VersionInfo version_info();

}  // namespace sluice
