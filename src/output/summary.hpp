// The end-of-run summary: counts, latency percentiles and scheduling efficiency, as text for
// stderr and as JSON for --summary-json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/option_names.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// Why the results stopped being written: the run stopped at the first failed write.
struct ResultsFailure {
  std::string file;    // the results file; empty for standard output
  std::string reason;  // of the first failed write, e.g. "No space left on device"
  // Standard output's reader went away (`sluice ... | head -1`): an end, not an error.
  bool output_closed = false;
  // The failure stopped the run; false when it came with the last write, after the run.
  bool stopped_run = true;
  std::uint64_t written = 0;    // records whose whole line was written
  std::uint64_t unwritten = 0;  // records whose line was not, or only in part
};

// What Summary::efficiency is measured against: the cap that bound the run, or else the
// ideal schedule at the run's concurrency.
enum class EfficiencyBasis {
  IdealSchedule,  // ideal_ms / wall_ms
  Rate,           // the time Options::rate needs for the starts, over wall_ms
  Bandwidth,      // wire bytes per second over Options::max_bandwidth
};

// "ideal_schedule", "rate" or "bandwidth".
std::string_view to_string(EfficiencyBasis basis) noexcept;

struct Summary {
  std::uint64_t urls = 0, ok = 0, failed = 0, fetched = 0 /*records with attempts > 0*/;
  std::uint64_t bytes = 0;
  std::uint64_t wire_bytes = 0;        // the bodies as they came: Record::wire_bytes, else bytes
  std::uint64_t skipped = 0;           // input URLs that Options::resume_from had done
  std::uint64_t skipped_failures = 0;  // of which the final record is a failure (a 404, ...)
  // Records with Record::skipped (skip_existing found the file): neither ok nor failed.
  std::uint64_t skipped_existing = 0;
  std::uint64_t retried = 0;      // records that took more than one attempt
  std::uint64_t retries = 0;      // attempts beyond the first, over all records
  std::uint64_t final_limit = 0;  // where -c auto's cap ended; 0 for a fixed -c
  std::map<int, std::uint64_t> by_status;
  std::map<std::string, std::uint64_t> by_error_kind;  // keyed by to_string(ErrorKind)
  std::size_t concurrency = 0;
  std::size_t event_loops = 0;  // FetchReport::event_loops
  double wall_ms = 0, requests_per_s = 0 /*urls per wall-clock second*/;
  // Nearest-rank percentiles of elapsed_ms over fetched records, to 0.001 ms.
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  // See ideal_schedule.hpp; unfetched records count as zero-latency jobs.
  double ideal_ms = 0, bound_ms = 0, schedule_efficiency = 0 /*ideal_ms / wall_ms*/;
  // Against efficiency_basis: schedule_efficiency, unless measure_against_binding() found a
  // cap that bound the run.
  double efficiency = 0;
  EfficiencyBasis efficiency_basis = EfficiencyBasis::IdealSchedule;
  double rate = 0;                  // Options::rate (starts per second); 0: none
  std::uint64_t max_bandwidth = 0;  // Options::max_bandwidth (bytes per second); 0: none
  Binding bound_by;                 // what held the run back (FetchReport::bound_by)
  // Records whose input is not a URL (invalid_url, unsupported_scheme), and the first of
  // them in input order as "SOURCE: URL: message".
  std::uint64_t bad_inputs = 0;
  std::string first_bad_input;
  std::optional<ResultsFailure> results_failure;
};

// Collects a run's records, once each. Not thread-safe: the caller serializes add(). Keeps
// 4 bytes per URL (its latency by input index) because the ideal schedule needs input order.
class SummaryBuilder {
 public:
  void add(const Record& record);
  // Percentiles and the ideal schedule for `concurrency` slots over everything added so
  // far; O(n log c). The caller names the concurrency at the end because -c auto's is
  // known only then.
  Summary finish(double wall_ms, std::size_t concurrency) const;

 private:
  Summary counts_;  // everything that does not need the latencies
  // elapsed_ms by record index; NaN for records not fetched or not added.
  std::vector<float> elapsed_ms_;
  std::uint64_t first_bad_index_ = 0;  // the index of counts_.first_bad_input's record
};

// Sets `s.bound_by`, the caps, and the efficiency against what bound the run: with the start
// rate cap (BindingKind::Rate and `rate` > 0), the least time the cap lets the request starts
// take ((starts - 1) / rate, retries included) over the wall time; with the bandwidth cap,
// wire bytes per second over `max_bandwidth`; else the ideal schedule's, as
// SummaryBuilder::finish() left it. A run bound by a cap is as good as the cap
// allows at 100 %, however low its ideal-schedule figure.
void measure_against_binding(Summary& s, const Binding& bound_by, double rate,
                             std::uint64_t max_bandwidth);

// Human text for stderr, a few lines each ending in '\n', e.g. (the first two lines only
// when the results could not be written; see format_results_failure)
//   results not written: run.jsonl: No space left on device after 120 records; stopped
//   unwritten:  80 records; resume_from run.jsonl fetches every URL it lacks
//   200 URLs: 198 ok, 2 failed (connect 1, http 1) · 1.2 MiB in 1.03 s · 194.2 req/s
//   bad input:  1 line not a URL; the first: urls.txt:4: http//h/: missing ':' after 'http'? ...
//   retried:    12 URLs, 15 extra attempts
//   resumed:    800 URLs skipped, already done (3 of them failed)
//   skipped:    40 URLs already on disk (skip_existing)
//   -c auto:    the cap ended at 78
//   status:     200×198 404×1
//   latency:    p50 50.3 ms · p90 51.0 ms · p99 55.2 ms · max 60.1 ms
//   efficiency: 97.1 % of the ideal schedule (1.00 s for c=10 in input order; bound
//               max(Σ/c, longest) 1.00 s)        [one line; with a binding cap instead:]
//   efficiency: 99.5 % of rate (200 starts at 20.0/s need 9.95 s)
//   efficiency: 97.0 % of max_bandwidth (19.4 of 20.0 MiB/s)
//   bound by:   concurrency (all 10 slots busy 97 % of the time)
// (under --max-bandwidth auto, when the pace held the run back:
//   bound by:   the link (learned 2.3 MiB/s = 19.4 Mbit/s; paced just under it 93 % of the time))
// Lines with nothing to say (no statuses, nothing fetched) are left out. `name` names the
// options the text mentions (the CLI passes their flags: "--rate").
std::string format_summary(const Summary& s, OptionNamer name = options_field);

// The lines that lead the summary when the results could not be written, each ending in '\n':
//   results not written: FILE: REASON after N records[; stopped]
//   unwritten:  M records[; resume_from FILE fetches every URL it lacks]
// or, when standard output was closed, the one line
//   stopped: standard output was closed after N records (M not written)
// ("; stopped" and "stopped: " are left out when the failure came after the run); `name`
// names resume_from (the CLI passes its flag, "--resume").
std::string format_results_failure(const ResultsFailure& failure, OptionNamer name = options_field);

// The same as one pretty-printed JSON object ending in '\n', keys named like the fields;
// by_status is keyed by the code as a string, efficiency_basis is to_string of it, and
// first_bad_input is null when there is none. "bound_by" is an object: kind (to_string of
// BindingKind), share, text (as in the text summary), host, slots, latency_rise,
// busy_p50_ms, floor_ms, link_rate (bytes per second; 0 without --max-bandwidth auto) and shares
// (the share of the time in each state, by kind). "results_failure" is null, or an object: file
// (null for standard output), reason, output_closed, stopped_run, written, unwritten. `name` as
// for format_summary.
std::string summary_json(const Summary& s, OptionNamer name = options_field);

}  // namespace sluice::detail
