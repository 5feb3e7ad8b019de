// The checks and set-up every run makes before it fetches anything: options, the open-file
// budget, libcurl's global state and the output directory. Shared by fetch() and watch mode.
#pragma once

#include <cstddef>

#include "sluice/options.hpp"

namespace sluice::detail {

// The largest -c that makes sense: each slot needs a socket, and a process rarely may
// open more than a million files.
constexpr std::size_t kMaxConcurrency = 1'000'000;

// Initialises libcurl once per process; throws std::runtime_error if it cannot.
void global_curl_init();

// Throw UsageError naming the first problem (a concurrency out of range, caps the chosen
// engine does not support, a control character in the User-Agent, more open files than the
// process may have, an unusable -o DIR).
void check_options(const Options& options);
void check_file_budget(const Options& options);
void create_output_dir(const Options& options);

}  // namespace sluice::detail
