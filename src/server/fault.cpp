// The names of the test server's faults and the body length each one writes.
#include "server/fault.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace sluice::detail {
namespace {

// As ?fault= and --faults spell them, in the order of the error messages.
constexpr std::array<std::pair<Fault, std::string_view>, 13> kNames = {{
    {Fault::ResetBefore, "reset-before"},
    {Fault::ResetMid, "reset-mid"},
    {Fault::Stall, "stall"},
    {Fault::BadStatus, "bad-status"},
    {Fault::HugeHeaders, "huge-headers"},
    {Fault::Endless, "endless"},
    {Fault::ServiceUnavailable, "503"},
    {Fault::TooManyRequests, "429"},
    {Fault::Truncate, "truncate"},
    {Fault::HugeHeaderLine, "huge-header"},
    {Fault::EndlessInterim, "endless-1xx"},
    {Fault::RateLimitFar, "ratelimit-far"},
    {Fault::RedirectNoLocation, "redirect-no-location"},
}};

}  // namespace

std::optional<Fault> fault_from_name(std::string_view name) noexcept {
  const auto* found = std::find_if(kNames.begin(), kNames.end(),
                                   [name](const auto& entry) { return entry.second == name; });
  if (found == kNames.end()) {
    return std::nullopt;
  }
  return found->first;
}

std::string_view fault_name(Fault fault) noexcept {
  const auto* found = std::find_if(kNames.begin(), kNames.end(),
                                   [fault](const auto& entry) { return entry.first == fault; });
  return found == kNames.end() ? "none" : found->second;
}

const std::string& fault_names() {
  static const auto kList = [] {
    std::string list;
    for (const auto& [fault, name] : kNames) {
      list += list.empty() ? "" : ", ";
      list += name;
    }
    return list;
  }();
  return kList;
}

bool ends_connection(Fault fault) noexcept {
  switch (fault) {
    case Fault::None:
    case Fault::HugeHeaders:
    case Fault::ServiceUnavailable:
    case Fault::TooManyRequests:
    case Fault::RateLimitFar:
    case Fault::RedirectNoLocation:
      return false;
    case Fault::ResetBefore:
    case Fault::ResetMid:
    case Fault::Stall:
    case Fault::BadStatus:
    case Fault::Endless:
    case Fault::Truncate:
    case Fault::HugeHeaderLine:
    case Fault::EndlessInterim:
      return true;
  }
  return true;
}

std::uint64_t body_bytes_written(Fault fault, std::uint64_t length, double fraction) noexcept {
  switch (fault) {
    case Fault::ResetMid:
    case Fault::Truncate:
      // Rounded down, so fraction 0.5 of an odd length keeps the smaller half.
      return static_cast<std::uint64_t>(fraction * static_cast<double>(length));
    // An endless body is not a length: the session counts each chunk as it writes it.
    case Fault::ResetBefore:
    case Fault::Stall:
    case Fault::BadStatus:
    case Fault::Endless:
    case Fault::HugeHeaderLine:
    case Fault::EndlessInterim:
      return 0;
    case Fault::None:
    case Fault::HugeHeaders:
    case Fault::ServiceUnavailable:
    case Fault::TooManyRequests:
    case Fault::RateLimitFar:
    case Fault::RedirectNoLocation:
      return length;
  }
  return length;
}

}  // namespace sluice::detail
