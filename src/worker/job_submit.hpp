// `sluice submit`: a job's sources streamed into its requests stream in pipelined batches.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "input/source_reader.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// Creates the job (its meta hash and the workers' group) and adds one entry per item of
// `reader`, 1000 per round trip, counting them in the meta hash as it goes; the list is never
// held. A job that exists already is refused unless `append`, so that running the same
// submit twice does not double a job. While it runs the job is open (meta "open" > 0):
// workers wait for more entries instead of ending. Returns the entries added, or a one-line
// error; a connection lost midway is an error (entries are not sent again: an XADD repeated
// would double its URL), and leaves the job open with what was added.
std::expected<std::uint64_t, std::string> submit_job(RedisLink& link, const JobKeys& keys,
                                                     std::string_view job, SourceReader& reader,
                                                     bool append);

}  // namespace sluice::detail
