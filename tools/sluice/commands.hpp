// The commands main() dispatches to; each returns the process exit code.
#pragma once

#include "command_line.hpp"

namespace sluice::cli {

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitSomeFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;  // a bug or an exhausted resource, never user input

int run_fetch(const FetchCommand& command);
int run_watch(const WatchCommand& command);
int run_demo();

}  // namespace sluice::cli
