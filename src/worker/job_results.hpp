// `sluice results`: a job's records, read back from its results stream as JSON lines.
#pragma once

#include <cstdint>
#include <expected>
#include <ostream>
#include <stop_token>
#include <string>

#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// Writes every record of the results stream to `out`, one line each, in the order workers
// wrote them, 1000 per round trip. With `follow`, then waits for more until the job is done
// (no submit open, a record for every entry submitted) or `stop` is requested. Returns the
// records written, or a one-line error.
std::expected<std::uint64_t, std::string> write_results(RedisLink& link, const JobKeys& keys,
                                                        std::ostream& out, bool follow,
                                                        std::stop_token stop);

}  // namespace sluice::detail
