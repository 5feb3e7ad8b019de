// --resolve: names the run resolves to given addresses without asking the system's
// resolver, as curl's option of that name does, in the list libcurl takes (CURLOPT_RESOLVE).
#include "engines/resolve_list.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace sluice::detail {
namespace {

constexpr std::string_view kShape = " (expected HOST:PORT:ADDR[,ADDR]...)";
// libcurl copies HOST into a buffer of 256 bytes and refuses the entry beyond it.
constexpr std::size_t kHostMax = 255;

bool is_address(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  const std::string address(text);
  unsigned char bytes[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, address.c_str(), bytes) == 1 ||
         ::inet_pton(AF_INET6, address.c_str(), bytes) == 1;
}

bool is_port(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
  unsigned port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc{} && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

}  // namespace

std::expected<void, std::string> check_resolve_entry(std::string_view entry) {
  const auto quoted = [](std::string_view text) { return "'" + std::string(text) + "'"; };
  const auto host_end = entry.find(':');
  if (host_end == std::string_view::npos || host_end == 0) {
    return std::unexpected("no HOST in " + quoted(entry) + std::string(kShape));
  }
  const std::string_view host = entry.substr(0, host_end);
  // curl reads a leading '+' or '-' as a flag, and no host name has a space or a control byte.
  const bool bad_byte =
      std::ranges::any_of(host, [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if (host.front() == '+' || host.front() == '-' || bad_byte || host.size() > kHostMax) {
    return std::unexpected("bad HOST " + quoted(host) + " in " + quoted(entry) +
                           std::string(kShape));
  }
  const std::string_view rest = entry.substr(host_end + 1);
  const auto port_end = rest.find(':');
  if (port_end == std::string_view::npos) {
    return std::unexpected("no ADDR in " + quoted(entry) + std::string(kShape));
  }
  if (!is_port(rest.substr(0, port_end))) {
    return std::unexpected("bad PORT " + quoted(rest.substr(0, port_end)) + " in " + quoted(entry) +
                           " (1 to 65535)");
  }
  std::string_view addresses = rest.substr(port_end + 1);
  while (true) {
    const auto comma = addresses.find(',');
    const std::string_view address = addresses.substr(0, comma);
    if (!is_address(address)) {
      return std::unexpected("bad ADDR " + quoted(address) + " in " + quoted(entry) +
                             " (an IPv4 or IPv6 address)");
    }
    if (comma == std::string_view::npos) return {};
    addresses.remove_prefix(comma + 1);
  }
}

}  // namespace sluice::detail
