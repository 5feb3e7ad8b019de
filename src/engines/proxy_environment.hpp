// Whether the environment names a proxy for libcurl, read once per run, so that transfers
// need not have libcurl read it again each time.
#pragma once

namespace sluice::detail {

// True when any variable libcurl reads to choose a proxy for http and https URLs is set,
// even to "": http_proxy, https_proxy, all_proxy and no_proxy, in either case.
// Thread-safety: reads the environment; call it where nothing sets variables at once.
bool proxy_in_environment();

}  // namespace sluice::detail
