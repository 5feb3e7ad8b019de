// The checks and set-up every run makes before it fetches anything: options, the open-file
// budget, libcurl's global state, the output directory and the other resources its transfers
// share. Shared by fetch() and watch mode.
#pragma once

#include <cstddef>

#include "engines/run_resources.hpp"
#include "file_budget.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// The largest -c that makes sense: each slot needs a socket, and a process rarely may
// open more than a million files.
constexpr std::size_t kMaxConcurrency = 1'000'000;
// The most event-loop threads: a loop is a thread busy on its own core, and more loops than
// cores only take turns.
constexpr std::size_t kMaxEventLoops = 64;

// Initialises libcurl once per process; throws std::runtime_error if it cannot.
void global_curl_init();

// Throw UsageError naming the first problem (a concurrency out of range, a control character
// in the User-Agent, a resolve entry that is not HOST:PORT:ADDR[,ADDR]...; more open files
// than the process may have, counted by file_budget(options, run), after the soft limit was
// raised to the hard one).
void check_options(const Options& options);
void check_file_budget(const Options& options, const RunFiles& run);

// The options a run works with, after the checks above: under -c auto, slots, descriptors and
// admission are sized for the most it may reach, so concurrency becomes max_concurrency.
// Throws UsageError as they do.
Options checked_run_options(Options options, const RunFiles& files);

// The resources a run's transfers share (see RunResources). Both fetch() and watch mode open
// them at start, before their first transfer. For -o DIR: creates DIR if it is missing and
// opens it (UsageError if it cannot be used), then removes from it the temporaries of saved
// bodies that processes which no longer run left behind (see remove_dead_body_temporaries): a
// process killed with kill -9 runs no clean-up of its own, so the next run that uses DIR is
// the first chance, and library callers get it as the CLI does. Temporaries of live
// processes stay, so another run or a watch mode saving into the same DIR is not disturbed.
// Watch mode cleans only at start: one listing of DIR per run, not one per body.
RunResources open_run_resources(const Options& options);

}  // namespace sluice::detail
