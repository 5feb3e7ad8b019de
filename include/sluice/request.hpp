// One request as a request list or a library caller states it: the URL and what to send
// with it. Every field but `url` may be left empty: the run's options then decide.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice {

struct Request {
  std::string url;
  // Joins the record to the caller's data; empty: the record's id is its source ("FILE:LINE").
  std::string id;
  // "GET", "POST", ...; empty: the run's method (GET unless the options say otherwise).
  std::string method;
  // Each "Name: value", added after the run's headers (so one of the same name replaces it).
  std::vector<std::string> headers;
  // Sent as the request body; unset: the run's body, if any.
  std::optional<std::string> body;
  // Where to save the body, relative to the output directory; empty: the run's naming.
  std::string out;
  // The body's expected SHA-256 (lower-case hex); empty: none.
  std::string sha256;

  bool operator==(const Request&) const = default;
};

}  // namespace sluice
