// -H: the request headers a run adds, replaces or removes, checked before the run so that
// no header can smuggle a second one in.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace sluice::detail {

// Whether `header` is "Name: value", "Name:" (remove) or "Name;" (send empty), as curl's -H
// takes them: Name a non-empty token (RFC 9110, section 5.6.2), the value free of control
// bytes but tab. Returns why not; the reason names the header's name, never its value, which
// may be a secret.
std::expected<void, std::string> check_request_header(std::string_view header);

}  // namespace sluice::detail
