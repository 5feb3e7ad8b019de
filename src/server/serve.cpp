// `sluice serve`: run the test server in the foreground until SIGINT or SIGTERM.
#include <string>

#include "server/server.hpp"
#include "server/tls_front.hpp"
#include "stop_signals_blocked.hpp"

namespace sluice {

int serve_until_signal(const ServerConfig& config, std::ostream& out, const ServeTls& tls) {
  // Blocked before the first line is written, so a parent that reads the line and at once
  // sends SIGTERM makes it pending, never meets the default action; blocked in the server's
  // threads, which start meanwhile, so this thread's wait takes it.
  const StopSignalsBlocked signals;
  if (!tls.enabled) {
    Server server(config);
    for (const auto& url : server.base_urls()) {
      out << "listening on " << url << std::endl;
    }
    signals.wait();
    server.stop();
    return 0;
  }
  // The plain server moves to a free loopback port behind the TLS front, which takes the
  // address and port asked for.
  ServerConfig behind = config;
  behind.address = "127.0.0.1";
  behind.port = 0;
  behind.more_endpoints.clear();
  Server server(behind);
  const auto identity = tls.certificate.empty()
                            ? detail::self_signed_identity()
                            : detail::identity_from_files(tls.certificate, tls.key);
  detail::TlsFront front(identity, {.address = config.address, .port = config.port}, server.port());
  const bool v6 = config.address.find(':') != std::string::npos;
  out << "listening on https://" << (v6 ? "[" + config.address + "]" : config.address) << ':'
      << front.port() << std::endl;
  signals.wait();
  front.stop();
  server.stop();
  return 0;
}

}  // namespace sluice
