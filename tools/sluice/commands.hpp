// The commands main() dispatches to; each returns the process exit code.
#pragma once

#include "command_line.hpp"

namespace sluice::cli {

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitSomeFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;  // a bug or an exhausted resource, never user input
// The results could not be written (a full disk, a closed pipe): the run stopped early.
constexpr int kExitOutputFailed = 4;

int run_fetch(const FetchCommand& command);
int run_watch(const WatchCommand& command);
int run_demo();
int run_submit(const SubmitCommand& command);
int run_worker(const WorkerCommand& command);
int run_results(const ResultsCommand& command);
int run_status(const StatusCommand& command);

}  // namespace sluice::cli
