// Validation of one input URL with libcurl's URL parser, before any transfer is set up, and
// the credentials a URL carries hidden for showing it.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "sluice/record.hpp"

namespace sluice::detail {

// Returns the URL to fetch: `text` itself, or "http://" + text when it names no scheme
// (like curl, "host:80/x" has none; "file:/x" has one). Never normalizes.
// Errors: ErrorKind::UnsupportedScheme for any scheme but http and https; ErrorKind::InvalidUrl
// for empty text, more than 65536 bytes, whitespace, control bytes (NUL included), invalid
// UTF-8, "http//host" or "https//host" (a ':' missing), or anything libcurl cannot parse or
// finds no host in; ErrorKind::Other only if libcurl cannot allocate its URL handle.
// Thread-safety: safe from any thread; each thread keeps its own libcurl URL handle.
std::expected<std::string, FetchError> check_url(std::string_view text);

// `url` with the userinfo of its authority (`user:password@`) replaced by `***@`, so that a
// record shows that credentials were there but not what they were; a URL without any is
// returned unchanged. The authority is read as check_url reads it: after "scheme://", or
// from the start when the text names no scheme ("user:pw@host/x" is http://user:pw@host/x).
// Thread-safety: a pure function.
std::string redact_userinfo(std::string_view url);

}  // namespace sluice::detail
