// The results format: one JSON object per Record per line, and its inverse for resume.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "sluice/record.hpp"

namespace sluice::detail {

// Appends `record` to `out` as exactly one line ending in '\n', keys in this order: url, id
// (when not empty), source (with an error, or when it differs from a non-empty id: a request
// line's own id), status (int or null), ok, bytes, wire_bytes,
// content_type, elapsed_ms, ttfb_ms, dns_ms, connect_ms, tls_ms (rounded to 0.001 ms; null if
// not finite), attempts, error (null or {"kind","message"}), then only when set: final_url,
// http_version, remote_ip, sha256, headers ({name: value}), saved_to. Any bytes in the strings give
// valid JSON: invalid UTF-8 becomes U+FFFD. `index` is not written. Thread-safe: no shared state.
void append_json_line(std::string& out, const Record& record);

// `text` as a string of a record reads back after a trip through the results file: invalid
// UTF-8 replaced by U+FFFD as append_json_line writes it, everything else unchanged.
std::string as_written(std::string_view text);

// Reads a line written by append_json_line (the trailing '\n' may be present; unknown keys are
// ignored); a record without "source" gets its id as source. The error says what is wrong. Never
// throws; thread-safe.
std::expected<Record, std::string> parse_json_line(std::string_view line);

}  // namespace sluice::detail
