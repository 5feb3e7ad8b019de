// One line of a JSON-lines request list: {"url", "id", "method", "headers", "body", "out",
// "sha256"}, every field but url optional, read into a Request.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "sluice/request.hpp"

namespace sluice::detail {

// Why a request line cannot be used, and its URL when it had a readable one.
struct RequestLineError {
  std::string url;
  std::string message;  // names the field: "\"method\" must be a string"
};

// Reads one request line (a JSON object). "id" may be a string or a number (written as JSON
// writes it); "headers" an object of "Name": "value" ("" sends the header empty, null
// removes it, as -H's "Name;" and "Name:"), checked as -H headers are; "method" an HTTP token;
// "body" a string sent as its UTF-8 bytes; "sha256" 64 hex digits (kept lower-case). An
// unknown field is an error, so that a misspelt one is not quietly ignored. The URL is taken
// as given: no ranges. Never throws; thread-safe. Messages never show a header's value.
std::expected<Request, RequestLineError> parse_request_line(std::string_view line);

}  // namespace sluice::detail
