// The test server's echo routes, which show a client what its request carried: /anything
// (method, target, headers, body), /gzip, /brotli and /zstd (the same, so encoded), /cookies and
// /cookies/set.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "server/routes.hpp"

namespace sluice::detail {

// The answer of an echo route to `request`, whose path and query are given apart, with its
// JSON body written into `body`; nullopt when `path` is no echo route. /anything and
// /anything/... take every method; the others GET and HEAD. The target is echoed as it came,
// so a proxy's absolute-form "GET http://host/anything" shows the proxy was used. /anything
// also echoes `request_body` (as "body", a string).
std::optional<Answer> echo_route(const boost::beast::http::request_header<>& request,
                                 std::string_view path, std::string_view query, std::string& body,
                                 std::string_view request_body = {});

}  // namespace sluice::detail
