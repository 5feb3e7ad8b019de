// What a Record's failure means for another attempt: the transient / final rule, shared by
// the engines' retries and --resume's choice of the URLs to fetch again.
#pragma once

#include <optional>

#include "sluice/record.hpp"

namespace sluice::detail {

// True for failures that another attempt may fix: the connection could not be made or
// broke, the attempt timed out, or the server answered 429, 502, 503 or 504. Everything
// else (a bad URL, DNS, TLS, a 404, a too large body, ...) would fail the same way again.
bool is_transient(const FetchError& error, std::optional<int> status) noexcept;

// True when `record` needs no new attempt: it succeeded, or it failed in a way another
// attempt would not fix (not cancelled, not is_transient) and `retry_failed` is off.
bool is_final(const Record& record, bool retry_failed) noexcept;

}  // namespace sluice::detail
