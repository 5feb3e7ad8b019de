// Job names and the keys they give.
#include "worker/job_keys.hpp"

namespace sluice::detail {

std::expected<JobKeys, std::string> job_keys(std::string_view name) {
  if (name.empty()) return std::unexpected("a job's name must not be empty");
  if (name.size() > 200) return std::unexpected("a job's name is at most 200 bytes");
  for (const char c : name) {
    // A brace would end the hash tag early; control bytes make unreadable key names.
    if (c == '{' || c == '}' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::unexpected("a job's name has no braces or control characters");
    }
  }
  const std::string prefix = "sluice:{" + std::string(name) + "}:";
  return JobKeys{.requests = prefix + "requests",
                 .results = prefix + "results",
                 .meta = prefix + "meta",
                 .rate = prefix + "rate",
                 .hosts = prefix + "host:",
                 .bandwidth = prefix + "bandwidth"};
}

}  // namespace sluice::detail
