// sluice's entry point: parse the command line, run the command, map errors to exit codes.
#include <csignal>
#include <exception>
#include <iostream>
#include <variant>

#include "command_line.hpp"
#include "commands.hpp"
#include "option_flags.hpp"
#include "printable.hpp"
#include "sluice/errors.hpp"

namespace {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::cli;
  // A closed stdout pipe must become a failed write, which stops the run (fetch_command.cpp),
  // not a silent death that loses the summary and the exit code.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const ParsedCommand command = parse_command_line(argc, argv);
    return std::visit(Overloaded{
                          [](const FetchCommand& fetch) { return run_fetch(fetch); },
                          [](const WatchCommand& watch) { return run_watch(watch); },
                          [](const ServeCommand& serve) {
                            return sluice::serve_until_signal(serve.config, std::cout, serve.tls);
                          },
                          [](const DemoCommand&) { return run_demo(); },
                          [](const SubmitCommand& submit) { return run_submit(submit); },
                          [](const WorkerCommand& worker) { return run_worker(worker); },
                          [](const ResultsCommand& results) { return run_results(results); },
                          [](const StatusCommand& status) { return run_status(status); },
                          [](int exit_code) { return exit_code; },
                      },
                      command);
  } catch (const sluice::UsageError& error) {
    std::cerr << "sluice: " << printable(usage_message(error)) << '\n';
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "sluice: internal error: " << printable(error.what()) << '\n';
    return kExitInternal;
  }
}
