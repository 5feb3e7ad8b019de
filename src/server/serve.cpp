// `sluice serve`: run the test server in the foreground until SIGINT or SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>

#include "server/server.hpp"

namespace sluice {

int serve_until_signal(const ServerConfig& config, std::ostream& out) {
  boost::asio::io_context signals_loop(1);
  // Installed before the first line is written: a parent that reads the line and at once
  // sends SIGTERM must reach this handler, not the default action.
  boost::asio::signal_set signals(signals_loop, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  Server server(config);
  for (const auto& url : server.base_urls()) {
    out << "listening on " << url << std::endl;
  }
  signals_loop.run();
  server.stop();
  return 0;
}

}  // namespace sluice
