// argv -> one of sluice's commands, with every option checked and converted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/server.hpp"
#include "sluice/options.hpp"
#include "textbook/textbook_run.hpp"

namespace sluice::cli {

struct FetchCommand {
  Options options;
  std::optional<textbook::Design> textbook;  // --engine textbook-*: runs instead of options.engine
  std::vector<std::string> sources;
  std::optional<std::string> results_path;       // records go to stdout when unset
  std::optional<std::string> summary_json_path;  // the summary as JSON, besides stderr
  bool progress = false;                         // the live line even when not on a terminal
  bool quiet = false;                            // no summary on stderr
};

// `sluice watch INBOX --out OUTBOX [fetch options]`: the fetch options apply to every job.
struct WatchCommand {
  Options options;
  std::string inbox;
  std::string outbox;
  bool progress = false;  // the status line even when not on a terminal
  bool quiet = false;     // no line per finished job on stderr
};

struct ServeCommand {
  ServerConfig config;
  ServeTls tls;
};

struct DemoCommand {};

// A job on a Redis server: --redis URL (else $SLUICE_REDIS_URL, else the local default) and
// --job NAME, shared by the scale-out commands below (docs/scale-out.md).
struct JobTarget {
  std::string redis;
  std::string job;
  // For a rediss:// URL, as redis-cli's --cacert, --cert, --key and --insecure.
  std::string redis_ca_file;
  std::string redis_cert_file;
  std::string redis_key_file;
  bool redis_insecure = false;
};

// `sluice submit --job NAME SOURCE...`
struct SubmitCommand {
  JobTarget target;
  std::vector<std::string> sources;
  bool append = false;  // add to a job that exists already
  std::uint64_t max_expansion = 10'000'000;
};

// `sluice worker --job NAME [fetch options]`
struct WorkerCommand {
  JobTarget target;
  Options options;
  std::string consumer;  // empty: HOSTNAME-PID
  std::chrono::milliseconds lease{30'000};
  bool quiet = false;
};

// `sluice results --job NAME [--follow]`
struct ResultsCommand {
  JobTarget target;
  bool follow = false;
};

// `sluice status --job NAME`
struct StatusCommand {
  JobTarget target;
};

// What to do, or the exit code when parsing already did everything (--help, --version).
using ParsedCommand =
    std::variant<FetchCommand, WatchCommand, ServeCommand, DemoCommand, SubmitCommand,
                 WorkerCommand, ResultsCommand, StatusCommand, int>;

// Throws UsageError (one line naming the option) for anything malformed.
ParsedCommand parse_command_line(int argc, const char* const* argv);

}  // namespace sluice::cli
