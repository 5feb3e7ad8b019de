// How many descriptors a run may hold at once, counted from what holds them, so that a run
// the open-file limit cannot serve is refused before it starts, not failed URL by URL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sluice/options.hpp"

namespace sluice::detail {

// What a run opens beside its transfers, known only to its caller.
struct RunFiles {
  std::size_t list_files = 0;  // @FILE sources: each is open for the whole run
  bool watch = false;          // watch mode: its INBOX watcher and its jobs' files
};

// A plain value. Each number is the most its holders may hold at once.
struct FileBudget {
  std::uint64_t transfers = 0;     // Options::concurrency (-c auto: its maximum)
  std::uint64_t per_transfer = 0;  // connections, a worker's wake-up pair, a saved body
  std::string transfer_holds;      // what per_transfer counts, in words
  std::uint64_t jobs = 0;          // watch jobs open at once
  std::uint64_t per_job = 0;       // a job's list, its reader's wake-up, results, summary
  std::uint64_t fixed = 0;         // stdio, the engine's own, output files, lists, lookups

  std::uint64_t total() const noexcept { return transfers * per_transfer + jobs * per_job + fixed; }
  // "2 per transfer (a connection, a saved body) for 200 transfers, 4 per job for 32 watch
  // jobs and 96 for the rest".
  std::string describe() const;
};

FileBudget file_budget(const Options& options, const RunFiles& run);

// What a fetch run over `sources` opens beside its transfers: the list of each @FILE source
// (none with Options::literal_sources, where "@x" is a URL like any other).
RunFiles fetch_run_files(const Options& options, const std::vector<std::string>& sources);

}  // namespace sluice::detail
