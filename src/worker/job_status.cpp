// The status of a job: HGETALL, XLEN, XPENDING, XINFO GROUPS and the latest results' ids.
#include "worker/job_status.hpp"

#include <charconv>
#include <cstdio>

namespace sluice::detail {
namespace {

std::uint64_t number(const std::optional<std::string>& text) {
  std::uint64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

// The milliseconds of a stream id ("1700000000000-3").
double id_ms(const std::string& id) {
  return static_cast<double>(number(id.substr(0, id.find('-'))));
}

}  // namespace

std::expected<JobStatus, std::string> job_status(RedisLink& link, const JobKeys& keys,
                                                 const std::string& job) {
  const std::string group(kWorkerGroup);
  auto replies = link.pipeline({{"HGETALL", keys.meta},
                                {"XLEN", keys.results},
                                {"XPENDING", keys.requests, group},
                                {"XINFO", "GROUPS", keys.requests},
                                {"XREVRANGE", keys.results, "+", "-", "COUNT", "100"}});
  if (!replies) return std::unexpected(replies.error().message);
  const auto& meta = (*replies)[0];
  if (meta.elements.empty()) {
    return std::unexpected("no job '" + job + "' on " + link.url().shown());
  }
  JobStatus status;
  status.submitted = number(meta.field("submitted"));
  status.open = number(meta.field("open")) > 0;
  status.failed = number(meta.field("failed"));
  status.done = static_cast<std::uint64_t>((*replies)[1].integer);
  const auto& pending = (*replies)[2];
  if (pending.elements.size() == 4) {
    status.pending = static_cast<std::uint64_t>(pending.elements[0].integer);
    for (const auto& consumer : pending.elements[3].elements) {
      if (consumer.elements.size() == 2) {
        status.pending_by_consumer.emplace_back(consumer.elements[0].text,
                                                number(consumer.elements[1].text));
      }
    }
  }
  for (const auto& info : (*replies)[3].elements) {
    if (info.field("name") == group) status.waiting = number(info.field("lag"));
  }
  const auto& latest = (*replies)[4].elements;
  if (latest.size() >= 2) {
    const double span =
        id_ms(latest.front().elements[0].text) - id_ms(latest.back().elements[0].text);
    if (span > 0) status.rate_per_s = static_cast<double>(latest.size() - 1) * 1000.0 / span;
  }
  return status;
}

std::string format_job_status(const JobStatus& status) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", status.rate_per_s);
  std::string text = "submitted " + std::to_string(status.submitted) +
                     (status.open ? " (a submit is still adding)" : "") + "\ndone " +
                     std::to_string(status.done) + " (failed " + std::to_string(status.failed) +
                     ")\nwaiting " + std::to_string(status.waiting) + "\npending " +
                     std::to_string(status.pending) + "\n";
  for (const auto& [consumer, count] : status.pending_by_consumer) {
    text += "  " + consumer + ": " + std::to_string(count) + "\n";
  }
  text += "rate " + std::string(rate) + "/s (latest 100 records)\n";
  return text;
}

}  // namespace sluice::detail
