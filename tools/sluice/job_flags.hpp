// The flags of the scale-out subcommands (submit, worker, results, status) and the commands
// they make once parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "command_line.hpp"

namespace sluice::cli {

// What the subcommands' flags were parsed into; the fetch options of `worker` are the main
// command's, which it falls through to.
struct JobFlags {
  CLI::App* submit = nullptr;
  CLI::App* worker = nullptr;
  CLI::App* results = nullptr;
  CLI::App* status = nullptr;
  SubmitCommand submit_command;
  WorkerCommand worker_command;
  ResultsCommand results_command;
  StatusCommand status_command;
  std::string lease = "30s";
};

// Adds the four subcommands to `app`; `flags` must outlive the parse.
void add_job_subcommands(CLI::App& app, JobFlags& flags);

// After the parse: the scale-out command given, if one was. `fetch` holds the main command's
// options and leftover arguments (sources for submit; none allowed for the others). Throws
// UsageError.
std::optional<ParsedCommand> job_command(JobFlags& flags, FetchCommand& fetch);

}  // namespace sluice::cli
