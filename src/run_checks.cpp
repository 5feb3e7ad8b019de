// The checks and set-up every run makes before it fetches anything.
#include "run_checks.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "engines/proxy_environment.hpp"
#include "engines/resolve_list.hpp"
#include "fd_limit.hpp"
#include "output/body_file.hpp"
#include "request_headers.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {

namespace {

// The position (from 1) of the first control byte but tab in `text`, or 0 when none.
std::size_t control_byte_at(std::string_view text) {
  const auto control = std::ranges::find_if(
      text, [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
  return control == text.end() ? 0 : static_cast<std::size_t>(control - text.begin()) + 1;
}

// Refuses a value libcurl would send in a header that has a CR, LF or other control byte: it
// would end the header and start another (RFC 9110, section 5.5). The value itself is never
// shown: it may be a secret.
void check_header_text(const char* option, std::string_view value) {
  if (const auto at = control_byte_at(value); at != 0) {
    throw UsageError(option, " must not contain control characters such as CR, LF or NUL (byte " +
                                 std::to_string(at) + ")");
  }
}

// Refuses at once a file the run could not use, rather than failing every URL on it.
void check_readable(const char* option, const std::optional<std::filesystem::path>& path,
                    bool directory = false) {
  if (!path) return;
  std::error_code error;
  const bool fits = directory ? std::filesystem::is_directory(*path, error)
                              : std::filesystem::is_regular_file(*path, error);
  if (!fits) {
    throw UsageError(option, " '" + path->string() + "' is not " +
                                 (directory ? "a directory" : "a readable file"));
  }
}

// The option that set `concurrency`: -c auto sizes slots and descriptors for its maximum.
const char* concurrency_option(const Options& options) {
  return options.adaptive_concurrency ? "max_concurrency" : "concurrency";
}

}  // namespace

void global_curl_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

void check_options(const Options& options) {
  if (options.concurrency == 0 || options.concurrency > kMaxConcurrency) {
    throw UsageError(concurrency_option(options), " must be between 1 and " +
                                                      std::to_string(kMaxConcurrency) + ", not " +
                                                      std::to_string(options.concurrency));
  }
  if (options.event_loops > kMaxEventLoops) {
    throw UsageError("event_loops", " must be between 1 and " + std::to_string(kMaxEventLoops) +
                                        " (or 0: auto), not " +
                                        std::to_string(options.event_loops));
  }
  if (options.event_loops > 1 && options.engine != EngineKind::EventLoop) {
    throw UsageError("event_loops", " above 1 needs the event-loop engine");
  }
  if (options.event_loops > 1 && (options.max_bandwidth > 0 || options.adaptive_bandwidth)) {
    throw UsageError("event_loops",
                     " above 1 does not go with a bandwidth cap, which one loop "
                     "paces (and a capped link needs no second thread)");
  }
  if (options.max_redirects < 0) throw UsageError("max_redirects", " must not be negative");
  if (!(options.per_host_rate >= 0) || !std::isfinite(options.per_host_rate)) {
    throw UsageError("per_host_rate", " must be a finite number of starts per second (0: none)");
  }
  check_header_text("user_agent", options.user_agent);
  check_header_text("user", options.user);
  check_header_text("bearer_token", options.bearer_token);
  check_header_text("cookie", options.cookie);
  if (!options.method.empty() && !is_token(options.method)) {
    throw UsageError("method", " must be a method name such as POST, not '" + options.method + "'");
  }
  for (const auto& name : options.record_headers) {
    if (!is_token(name)) {
      throw UsageError("record_headers", " must be header names, not '" + name + "'");
    }
  }
  if (!options.user.empty() && !options.bearer_token.empty()) {
    throw UsageError("bearer_token", " and the user option cannot be used together");
  }
  for (std::size_t i = 0; i < options.headers.size(); ++i) {
    if (auto checked = check_request_header(options.headers[i]); !checked) {
      throw UsageError("headers", ": header " + std::to_string(i + 1) + " " + checked.error());
    }
  }
  check_readable("ca_file", options.ca_file);
  check_readable("ca_path", options.ca_path, /*directory=*/true);
  check_readable("client_cert", options.client_cert);
  check_readable("client_key", options.client_key);
  check_readable("cookie_file", options.cookie_file);
  for (const auto& entry : options.resolve) {
    if (auto checked = check_resolve_entry(entry); !checked) {
      throw UsageError("resolve", ": " + checked.error());
    }
  }
}

// Refuses, in one clear line, a run the open-file limit cannot serve: otherwise its
// transfers and jobs would meet EMFILE again and again, each waiting for another to end.
void check_file_budget(const Options& options, const RunFiles& run) {
  raise_open_file_limit();
  const FileBudget budget = file_budget(options, run);
  const std::uint64_t needed = budget.total();
  const std::uint64_t limit = open_file_limit();
  if (needed > limit) {
    throw UsageError(concurrency_option(options),
                     " " + std::to_string(options.concurrency) + " needs about " +
                         std::to_string(needed) + " open files (" + budget.describe() +
                         "), but this process may open only " + std::to_string(limit) +
                         " (ulimit -n); lower it or raise the limit");
  }
}

Options checked_run_options(Options options, const RunFiles& files) {
  if (options.adaptive_concurrency) options.concurrency = options.max_concurrency;
  check_options(options);
  check_file_budget(options, files);
  return options;
}

namespace {

std::optional<OutputDir> open_output_dir(const Options& options) {
  if (!options.output_dir) return std::nullopt;
  const auto unusable = [&](const std::string& reason) {
    return UsageError("cannot use output directory '" + options.output_dir->string() +
                      "': " + reason);
  };
  std::error_code error;
  std::filesystem::create_directories(*options.output_dir, error);
  if (error || !std::filesystem::is_directory(*options.output_dir)) {
    throw unusable(error ? error.message() : "not a directory");
  }
  auto dir = OutputDir::open(*options.output_dir);
  if (!dir) throw unusable(dir.error());
  // A temporary left in place is junk, never a wrong body: a failure here must not stop
  // the run, so the count is not needed.
  remove_dead_body_temporaries(*dir);
  return std::move(*dir);
}

}  // namespace

RunResources open_run_resources(const Options& options) {
  return RunResources{.output_dir = open_output_dir(options),
                      .resolve = ResolveList(options.resolve),
                      .headers = CurlList(options.headers),
                      .headers_elsewhere = CurlList(headers_without_credentials(options.headers)),
                      .proxy_in_environment = proxy_in_environment()};
}

}  // namespace sluice::detail
