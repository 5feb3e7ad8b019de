// The checks and set-up every run makes before it fetches anything.
#include "run_checks.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "engines/resolve_list.hpp"
#include "fd_limit.hpp"
#include "output/body_file.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {

namespace {

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
  if (options.max_redirects < 0) throw UsageError("max_redirects", " must not be negative");
  // libcurl sends the User-Agent as given: a CR or LF would end the header and start another,
  // and no other control byte but tab is allowed in a header either (RFC 9110, section 5.5).
  const auto control = std::ranges::find_if(
      options.user_agent, [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
  if (control != options.user_agent.end()) {
    throw UsageError("user_agent",
                     " must not contain control characters such as CR, LF or NUL (byte " +
                         std::to_string(control - options.user_agent.begin() + 1) + ")");
  }
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
                      .resolve = ResolveList(options.resolve)};
}

}  // namespace sluice::detail
