// argv -> one of sluice's commands, with every option checked and converted.
#pragma once

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

// What to do, or the exit code when parsing already did everything (--help, --version).
using ParsedCommand = std::variant<FetchCommand, WatchCommand, ServeCommand, DemoCommand, int>;

// Throws UsageError (one line naming the option) for anything malformed.
ParsedCommand parse_command_line(int argc, const char* const* argv);

}  // namespace sluice::cli
