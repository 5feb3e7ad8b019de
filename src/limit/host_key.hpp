// The key the per-host limits are kept under: scheme, host and port of a URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

// "scheme://host:port" in lower case with the default port filled in, so
// "HTTPS://Example.COM/a" and "https://example.com:443/b" share "https://example.com:443"
// while "http://example.com" ("http://example.com:80") is another host: a different port
// is a different server to limit. IPv6 hosts keep their brackets ("http://[::1]:8080").
// `url` is a URL as check_url returns it (with a scheme); nullopt if libcurl cannot parse
// it. Only ASCII letters are lowered: an internationalized host keeps its UTF-8 bytes, so
// it and its punycode spelling count as two hosts.
// Thread-safety: safe from any thread; each thread keeps its own libcurl URL handle.
std::optional<std::string> host_key(std::string_view url);

// host_key(url).value_or("") for a URL check_url accepted, which libcurl therefore parses
// whole. Consecutive URLs of a list mostly share their "scheme://authority", which alone
// decides the key, so the key of the last one is kept per thread and the URL parsed only
// when that prefix changes.
std::string host_key_of_checked_url(std::string_view url);

}  // namespace sluice::detail
