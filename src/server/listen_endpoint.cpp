// Reads the "ADDR:PORT" of `sluice serve --listen`.
#include <charconv>

#include "server/server.hpp"

namespace sluice {

std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  auto address = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  if (address.front() == '[') {
    if (address.size() < 3 || address.back() != ']') {
      return std::nullopt;
    }
    address = address.substr(1, address.size() - 2);
  } else if (address.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs its brackets, or the port is ambiguous
  }
  std::uint16_t port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [stop, error] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || error != std::errc{} || stop != end) {
    return std::nullopt;
  }
  return ListenEndpoint{std::string(address), port};
}

}  // namespace sluice
