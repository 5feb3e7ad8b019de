// sluice's entry point: parse the command line, run the command, map errors to exit codes.
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <variant>

#include "command_line.hpp"
#include "commands.hpp"
#include "sluice/errors.hpp"

namespace {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};

// A message may quote what the user typed (a list file's name, an option's value); its control
// characters are escaped, so that a newline in a file name cannot break the one line.
std::string escape_control_characters(std::string_view message) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string escaped;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\r') {
      escaped += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      escaped.append("\\x").append(1, kHex[byte >> 4]).append(1, kHex[byte & 0xf]);
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::cli;
  // A closed stdout pipe must become a write error we report, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const ParsedCommand command = parse_command_line(argc, argv);
    return std::visit(Overloaded{
                          [](const FetchCommand& fetch) { return run_fetch(fetch); },
                          [](const WatchCommand& watch) { return run_watch(watch); },
                          [](const ServeCommand& serve) {
                            return sluice::serve_until_signal(serve.config, std::cout);
                          },
                          [](const DemoCommand&) { return run_demo(); },
                          [](int exit_code) { return exit_code; },
                      },
                      command);
  } catch (const sluice::UsageError& error) {
    std::cerr << "sluice: " << escape_control_characters(error.what()) << '\n';
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "sluice: internal error: " << escape_control_characters(error.what()) << '\n';
    return kExitInternal;
  }
}
