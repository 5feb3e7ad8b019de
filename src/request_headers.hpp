// Request headers as -H and request lines give them: checked before they are sent, so that no
// header can smuggle a second one in, and a request's own put together with the run's. Shared
// by the input (request lines), the run's checks and the engines.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

// Whether `header` is "Name: value", "Name:" (remove) or "Name;" (send empty), as curl's -H
// takes them: Name a non-empty token (RFC 9110, section 5.6.2), the value free of control
// bytes but tab. Returns why not; the reason names the header's name, never its value, which
// may be a secret.
std::expected<void, std::string> check_request_header(std::string_view header);

// Whether `text` is an HTTP token (RFC 9110, section 5.6.2), as a method or a header name is.
bool is_token(std::string_view text);

// The name of a header as check_request_header takes it: the text before its ':' or ';'.
std::string_view header_name(std::string_view header);

// `headers` without Authorization and Cookie, for a redirect hop to another host: libcurl
// keeps those two from other hosts when it follows, and so does sluice.
std::vector<std::string> headers_without_credentials(const std::vector<std::string>& headers);

// The run's headers followed by a request's own, without the run's headers that the request
// names (whatever their case): a request's header replaces the run's of the same name.
std::vector<std::string> merged_headers(const std::vector<std::string>& run_headers,
                                        const std::vector<std::string>& request_headers);

}  // namespace sluice::detail
