// `sluice serve`: run the test server in the foreground until SIGINT or SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>

#include "server/server.hpp"
#include "server/tls_front.hpp"

namespace sluice {

int serve_until_signal(const ServerConfig& config, std::ostream& out, const ServeTls& tls) {
  boost::asio::io_context signals_loop(1);
  // Installed before the first line is written: a parent that reads the line and at once
  // sends SIGTERM must reach this handler, not the default action.
  boost::asio::signal_set signals(signals_loop, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  if (tls.enabled) {
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
    detail::TlsFront front(identity, {.address = config.address, .port = config.port},
                           server.port());
    const bool v6 = config.address.find(':') != std::string::npos;
    out << "listening on https://" << (v6 ? "[" + config.address + "]" : config.address) << ':'
        << front.port() << std::endl;
    signals_loop.run();
    front.stop();
    server.stop();
    return 0;
  }
  Server server(config);
  for (const auto& url : server.base_urls()) {
    out << "listening on " << url << std::endl;
  }
  signals_loop.run();
  server.stop();
  return 0;
}

}  // namespace sluice
