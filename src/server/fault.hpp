// The test server's fault modes: their names on the wire (?fault=, --faults) and what each
// one does to the shape of an answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// See Server for the exact wire behaviour of each.
enum class Fault {
  None,
  ResetBefore,         // "reset-before"
  ResetMid,            // "reset-mid"
  Stall,               // "stall"
  BadStatus,           // "bad-status"
  HugeHeaders,         // "huge-headers"
  Endless,             // "endless"
  ServiceUnavailable,  // "503"
  TooManyRequests,     // "429"
  Truncate,            // "truncate"
  HugeHeaderLine,      // "huge-header"
  EndlessInterim,      // "endless-1xx"
  RateLimitFar,        // "ratelimit-far"
  RedirectNoLocation,  // "redirect-no-location"
};

namespace detail {

// The fault a name means; None is not a name.
std::optional<Fault> fault_from_name(std::string_view name) noexcept;

std::string_view fault_name(Fault fault) noexcept;

// Every name, comma-separated, for error messages.
const std::string& fault_names();

// Whether an answer with `fault` leaves the connection unusable, so it is never kept alive.
bool ends_connection(Fault fault) noexcept;

// How many of a body's `length` bytes an answer with `fault` writes after its header;
// `fraction` is the share a truncated or reset-mid answer keeps.
std::uint64_t body_bytes_written(Fault fault, std::uint64_t length, double fraction) noexcept;

}  // namespace detail
}  // namespace sluice
