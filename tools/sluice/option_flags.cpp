// The flag of each Options field, for the usage errors the CLI prints.
#include "option_flags.hpp"

#include <array>
#include <utility>

namespace sluice::cli {
namespace {

// Every field of Options that a flag sets, in the order of options.hpp.
constexpr std::array<std::pair<std::string_view, std::string_view>, 52> kFlags{{
    {"concurrency", "--concurrency"},
    {"adaptive_concurrency", "-c auto"},
    {"max_concurrency", "--max-concurrency"},
    {"engine", "--engine"},
    {"event_loops", "--event-loops"},
    {"max_bandwidth", "--max-bandwidth"},
    {"bandwidth_burst", "--bandwidth-burst"},
    {"rate", "--rate"},
    {"per_host", "--per-host"},
    {"connect_window", "--connect-window"},
    {"per_host_rate", "--per-host-rate"},
    {"timeout", "--timeout"},
    {"connect_timeout", "--connect-timeout"},
    {"stall_timeout", "--stall-timeout"},
    {"retries", "--retries"},
    {"retry_backoff", "--retry-backoff"},
    {"max_retry_wait", "--max-retry-wait"},
    {"grace", "--grace"},
    {"max_body", "--max-body"},
    {"max_redirects", "--max-redirects"},
    {"output_dir", "--output-dir"},
    {"layout", "--layout"},
    {"skip_existing", "--skip-existing"},
    {"continue_partial", "--continue"},
    {"save_errors", "--save-errors"},
    {"body_digest", "--hash"},
    {"record_headers", "--record-header"},
    {"insecure", "--insecure"},
    {"ca_file", "--cacert"},
    {"ca_path", "--capath"},
    {"client_cert", "--cert"},
    {"client_key", "--key"},
    {"headers", "--header"},
    {"user", "--user"},
    {"bearer_token", "--oauth2-bearer"},
    {"compressed", "--compressed"},
    {"http_version", "--http1.1"},
    {"proxy", "--proxy"},
    {"no_proxy", "--noproxy"},
    {"method", "--request"},
    {"body", "--data"},
    {"retry_all_methods", "--retry-all-methods"},
    {"cookie", "--cookie"},
    {"cookie_file", "--cookie"},
    {"max_expansion", "--max-expansion"},
    {"globoff", "--globoff"},
    {"input_format", "--input-format"},
    {"user_agent", "--user-agent"},
    {"resolve", "--resolve"},
    {"resume_from", "--resume"},
    {"retry_failed", "--retry-failed"},
    {"stats_log", "--stats-log"},
}};

}  // namespace

std::string_view flag_for(std::string_view option) {
  for (const auto& [name, flag] : kFlags) {
    if (name == option) return flag;
  }
  return option;
}

std::string usage_message(const UsageError& error) {
  const std::string_view message = error.what();
  const std::string_view option = error.option();
  if (option.empty() || !message.starts_with(option)) return std::string(message);
  return std::string(flag_for(option)) + std::string(message.substr(option.size()));
}

}  // namespace sluice::cli
