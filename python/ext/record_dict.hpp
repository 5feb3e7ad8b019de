// A Record as the dict that sluice.fetch() yields: the keys of a results line, plus index.
#pragma once

#include <pybind11/pybind11.h>

#include "sluice/fetcher.hpp"
#include "sluice/record.hpp"

namespace sluice::python {

// Keys: index, url, id, source, status, ok, bytes, wire_bytes, content_type, elapsed_ms,
// ttfb_ms, dns_ms, connect_ms, tls_ms, attempts, error (None or {"kind", "message"}),
// final_url, http_version, remote_ip, sha256, saved_to (None when unset), headers (a dict). Bytes
// that are not UTF-8 become U+FFFD, as in the results file. Call with the GIL held.
pybind11::dict record_dict(const Record& record);

// The FetchReport as a dict: urls, skipped, skipped_failures, wall_ms, stopped, final_limit,
// event_loops, bound_by (its kind's name), bound_by_share, stats_log_error.
pybind11::dict report_dict(const FetchReport& report);

}  // namespace sluice::python
