// argv -> one of sluice's commands, with every option checked and converted.
#include "command_line.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "job_flags.hpp"
#include "limit/parse_rate.hpp"
#include "request_flags.hpp"
#include "run_checks.hpp"
#include "sluice/errors.hpp"
#include "sluice/version.hpp"
#include "units.hpp"

namespace sluice::cli {

using namespace sluice::detail;
namespace {

// Past these a value is a typo, not a wish.
constexpr std::uint64_t kMaxRedirects = 1000;
constexpr std::uint64_t kMaxExpansion = 1'000'000'000'000;  // months of fetching at 100k/s

// Every integer option goes through this check: CLI11's own conversion would take "" as 0,
// " 5" and "0x10" as numbers, and wrap "-1" around or clamp a huge number. The checked value
// is handed on as plain decimal, as CLI11 then reads a leading 0 as octal.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return {[min, max](std::string& text) {
            const auto parsed = parse_whole_number(text, min, max);
            if (!parsed) return parsed.error();
            text = std::to_string(*parsed);
            return std::string();
          },
          "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]"};
}

// whole_number's check, or "auto", handed on as 0 (the option's own word for it).
CLI::Validator whole_number_or_auto(std::uint64_t min, std::uint64_t max) {
  const CLI::Validator number = whole_number(min, max);
  return {[number](std::string& text) {
            if (text == "auto") {
              text = "0";
              return std::string();
            }
            const std::string error = number(text);
            return error.empty() ? error : error + " (or auto)";
          },
          number.get_description() + " or auto"};
}

// For the options whose value is kept as text and left unset when empty: '' (often an unset
// shell variable) would otherwise quietly mean "not given".
const CLI::Validator kNotEmpty(
    [](const std::string& text) { return text.empty() ? "must not be empty" : std::string(); }, "");

// A bare number is seconds, as in curl; but "--timeout 500" may have meant milliseconds, so
// a duration other than 0 without a unit gets a warning that says how it was read.
std::chrono::milliseconds to_duration(const std::string& option, const std::string& text) {
  auto parsed = parse_duration(text);
  if (!parsed) throw UsageError(option + ": " + parsed.error());
  const bool unitless = !text.empty() && std::isdigit(static_cast<unsigned char>(text.back())) != 0;
  if (unitless && parsed->count() > 0) {
    std::cerr << "sluice: warning: " << option << " " << text << " has no unit, so it means "
              << text << "s (units: ms, s, m, h)\n";
  }
  return *parsed;
}

std::uint64_t to_size(const std::string& option, const std::string& text) {
  auto parsed = parse_size(text);
  if (!parsed) throw UsageError(option + ": " + parsed.error());
  return *parsed;
}

// "N/W": a quota of N requests per window W of whole seconds, e.g. 50/1s or 1000/1m.
RateLimitPolicy to_rate_limit(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    throw UsageError("--rate-limit must be N/WINDOW, e.g. 50/1s, not '" + text + "'");
  }
  const auto quota =
      parse_whole_number(text.substr(0, slash), 1, std::numeric_limits<std::uint64_t>::max());
  if (!quota) throw UsageError("--rate-limit: N: " + quota.error());
  const auto window = to_duration("--rate-limit", text.substr(slash + 1));
  if (window.count() < 1000 || window.count() % 1000 != 0) {
    throw UsageError("--rate-limit: the window must be a whole number of seconds, not '" +
                     text.substr(slash + 1) + "'");
  }
  return {.quota = *quota, .window = std::chrono::duration_cast<std::chrono::seconds>(window)};
}

// "./r.jsonl", "r.jsonl" and a symlink to it all name one file, which may not exist yet.
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error_a;
  std::error_code error_b;
  const auto canonical_a = std::filesystem::weakly_canonical(a, error_a);
  const auto canonical_b = std::filesystem::weakly_canonical(b, error_b);
  if (error_a || error_b) return a.lexically_normal() == b.lexically_normal();
  return canonical_a == canonical_b;
}

// The arguments CLI11 left over, in order: the sources. Before "--", one that starts with
// '-' is an unknown option (CLI11 leaves "--bogus" and "---x" over too); no URL or @FILE
// starts with '-', and "-" alone is standard input.
std::vector<std::string> sources_of(std::vector<std::string> extras) {
  std::vector<std::string> sources;
  bool options_over = false;
  for (auto& extra : extras) {
    if (!options_over && extra == "--") {
      options_over = true;
      continue;
    }
    if (!options_over && extra.size() > 1 && extra.starts_with('-')) {
      throw UsageError("unknown option '" + extra + "' (see sluice --help)");
    }
    sources.push_back(std::move(extra));
  }
  return sources;
}

// `sluice --version`: which sluice, and the libcurl (with its TLS library) it fetches with.
std::string version_text() {
  const VersionInfo info = version_info();
  std::string text = "sluice " + info.version + " (commit " + info.git_commit + ")\n";
  text += "libcurl " + info.curl_version +
          ", TLS: " + (info.tls_library.empty() ? "none" : info.tls_library) +
          ", HTTP/2: " + (info.http2 ? "yes" : "no") + "\nlibcurl features:";
  for (const auto& feature : info.curl_features) text += " " + feature;
  return text;
}

// The fetch options `sluice watch` accepts, one "  FLAG  description" line each, for its help:
// they are the main command's, which CLI11 lists only in `sluice --help`.
std::string watch_fetch_options(const CLI::App& app) {
  // What watch writes per job to OUTBOX instead, and what only the main command has.
  const std::set<std::string> not_for_watch = {"--help",     "--version",      "--results",
                                               "--resume",   "--retry-failed", "--summary-json",
                                               "--stats-log"};
  constexpr std::size_t kNameColumn = 30;
  std::string text = "Fetch options (as for a fetch; they apply to every job):\n";
  for (const CLI::Option* option : app.get_options()) {
    const std::string names = option->get_name(false, true);
    const std::string long_name = names.substr(names.rfind(',') + 1);
    if (!long_name.starts_with("--") || not_for_watch.contains(long_name)) continue;
    std::string line = "  " + names;
    line.resize(std::max(line.size() + 1, kNameColumn), ' ');
    text += line + option->get_description() + "\n";
  }
  return text;
}

}  // namespace

ParsedCommand parse_command_line(int argc, const char* const* argv) {
  CLI::App app{
      "sluice: fetch a list of URLs as fast as the network allows, and not a byte faster.\n"
      "SOURCE is a URL (ranges expand: /todos/{1..200}, {001..120}, {a,b}, [1-9]),\n"
      "@FILE (one URL per line; # comments; a FILE.jsonl has one JSON request per line)\n"
      "or - (standard input).",
      "sluice"};
  app.set_version_flag("--version", std::function<std::string()>(version_text));
  app.require_subcommand(0, 1);

  FetchCommand fetch;
  // Auto (Options::event_loops): the command's sinks take records from any thread.
  fetch.options.event_loops = 0;
  std::string timeout = "0";
  std::string connect_timeout = "30s";
  std::string stall_timeout = "60s";
  std::string retry_backoff = "1s";
  std::string max_retry_wait = "60s";
  std::string max_body = "0";
  std::string grace = "5s";
  std::string max_bandwidth = "0";
  std::string bandwidth_burst = "0";
  std::string rate;
  std::string output_dir;
  // The sources are what CLI11 leaves over, not a positional option: a vector option splits
  // "[a,b]" into two values and strips the brackets of "[1-9]", and a source must reach the
  // range expander exactly as typed, as a line of a list does.
  app.allow_extras();
  std::string concurrency = std::to_string(fetch.options.concurrency);
  app.add_option("-c,--concurrency", concurrency,
                 "Hard cap on requests in flight, or auto: found as the run goes, up to "
                 "--max-concurrency")
      ->capture_default_str();
  std::string engine = "loop";
  const std::map<std::string, EngineKind> engines{{"loop", EngineKind::EventLoop},
                                                  {"threads", EngineKind::Threads}};
  const std::map<std::string, textbook::Design> textbook_designs{
      {"textbook-slices", textbook::Design::StaticSlices},
      {"textbook-permits", textbook::Design::SlicePermits}};
  app.add_option("--engine", engine,
                 "loop: one thread, libcurl multi-socket; threads: one thread per slot; "
                 "textbook-slices, textbook-permits: the classic answers, for comparison")
      ->check(CLI::IsMember({"loop", "threads", "textbook-slices", "textbook-permits"}))
      ->capture_default_str();
  app.add_option("--event-loops", fetch.options.event_loops,
                 "Threads of the loop engine, each with an equal share of -c, for more small "
                 "answers a second than one thread turns around; auto: a loop per core, up to "
                 "4, with 16 slots or more each (one under --per-host or --max-bandwidth)")
      ->default_str("auto")
      ->transform(whole_number_or_auto(1, kMaxEventLoops));
  app.add_option("--timeout", timeout, "Whole-transfer limit per URL, e.g. 30s (0: none)")
      ->capture_default_str();
  app.add_option("--connect-timeout", connect_timeout, "Limit on resolve + connect + TLS")
      ->capture_default_str();
  app.add_option("--stall-timeout", stall_timeout,
                 "Fail an attempt that receives no byte for this long (whole seconds; 0: never)")
      ->capture_default_str();
  app.add_option("--retries", fetch.options.retries,
                 "Extra attempts after a connect failure, timeout, broken connection, 429 or "
                 "502/503/504")
      ->capture_default_str()
      ->transform(whole_number(0, 100));
  app.add_option("--retry-backoff", retry_backoff,
                 "Retry n waits a random time up to BASE * 2^(n-1) (full jitter)")
      ->capture_default_str();
  app.add_option("--max-retry-wait", max_retry_wait,
                 "Cap on one wait before a retry, Retry-After included")
      ->capture_default_str();
  app.add_option("--max-body", max_body, "Cut off bodies larger than SIZE, e.g. 10MB (0: none)")
      ->capture_default_str();
  app.add_option("--grace", grace,
                 "After Ctrl-C or SIGTERM, time given to transfers in flight before they are "
                 "aborted")
      ->capture_default_str();
  app.add_option("--max-bandwidth", max_bandwidth,
                 "One cap on the bytes per second of all transfers together, e.g. 20M (0: "
                 "none), or auto: the link's rate, learned as the run goes")
      ->capture_default_str();
  app.add_option("--bandwidth-burst", bandwidth_burst,
                 "Depth of the bandwidth bucket, e.g. 64k (0: 20 ms of the cap, at least 16k)")
      ->capture_default_str();
  app.add_option("--max-concurrency", fetch.options.max_concurrency, "The most -c auto may reach")
      ->capture_default_str()
      ->transform(whole_number(1, kMaxConcurrency));
  app.add_option("--rate", rate, "Request starts per time unit over the run: 100/s, 30/m, 5000/h")
      ->check(kNotEmpty);
  app.add_option("--per-host", fetch.options.per_host,
                 "Requests in flight per host (scheme, host, port), on top of -c (0: no cap)")
      ->capture_default_str()
      ->transform(whole_number(0, kMaxConcurrency));
  app.add_option("--connect-window", fetch.options.connect_window,
                 "New connections opening at once at first, per host and overall; grows as "
                 "they succeed (0: no pacing)")
      ->capture_default_str()
      ->transform(whole_number(0, kMaxConcurrency));
  std::string per_host_rate;
  app.add_option("--per-host-rate", per_host_rate,
                 "Request starts per time unit to each host, retries included: 2/s, 30/m")
      ->check(kNotEmpty);
  auto* output_option =
      app.add_option("-o,--output-dir", output_dir, "Save each body under DIR")->check(kNotEmpty);
  const std::map<std::string, OutputLayout> layouts{{"flat", OutputLayout::Flat},
                                                    {"path", OutputLayout::Path}};
  std::string layout = "flat";
  app.add_option("--layout", layout,
                 "Names under DIR: flat (one safe name per URL) or path (host/path as a tree, "
                 "as a mirror)")
      ->check(CLI::IsMember(layouts))
      ->capture_default_str()
      ->needs(output_option);
  app.add_flag("--skip-existing", fetch.options.skip_existing,
               "Do not fetch a URL whose file is already in DIR (with a request's sha256, only "
               "when it matches)")
      ->needs(output_option);
  app.add_flag("--continue", fetch.options.continue_partial,
               "Write bodies to FILE.part and resume a cut one with a range request")
      ->needs(output_option);
  app.add_option("--results", fetch.results_path, "Write the JSON-lines records to FILE");
  app.add_option("--summary-json", fetch.summary_json_path, "Also write the summary to FILE");
  std::string stats_log;
  app.add_option("--stats-log", stats_log,
                 "Append a JSON line of in-flight, limit, records, bytes and latency to FILE "
                 "every 100 ms")
      ->check(kNotEmpty);
  std::string resume;
  auto* resume_option =
      app.add_option("--resume", resume,
                     "Skip the URLs that FILE (an earlier --results file) already has a final "
                     "record for, and append the new records to it")
          ->check(kNotEmpty);
  app.add_flag("--retry-failed", fetch.options.retry_failed,
               "With --resume: also fetch again the URLs whose record is a permanent failure")
      ->needs(resume_option);
  app.add_option("--max-redirects", fetch.options.max_redirects, "Redirects followed per URL")
      ->capture_default_str()
      ->transform(whole_number(0, kMaxRedirects));
  app.add_option("--max-expansion", fetch.options.max_expansion,
                 "Largest number of URLs one range may expand to")
      ->capture_default_str()
      ->transform(whole_number(0, kMaxExpansion));
  app.add_option("--user-agent", fetch.options.user_agent, "User-Agent header")
      ->capture_default_str();
  app.add_flag("-k,--insecure", fetch.options.insecure, "Skip TLS certificate verification");
  app.add_option("--resolve", fetch.options.resolve,
                 "Resolve HOST:PORT to ADDR[,ADDR] instead of asking DNS, as curl (repeatable)")
      ->allow_extra_args(false);
  RequestFlags request_flags;
  add_request_flags(app, request_flags);
  app.add_flag("--progress", fetch.progress, "Show the progress line even when not a terminal");
  app.add_flag("-q,--quiet", fetch.quiet, "No summary on standard error");

  ServeCommand serve;
  std::string latency = "0";
  std::string jitter = "0";
  std::string faults;
  std::string bandwidth = "0";
  auto* serve_app = app.add_subcommand("serve", "Run the embedded HTTP/1.1 test server");
  auto* port_option =
      serve_app->add_option("--port", serve.config.port, "Port on 127.0.0.1 (0: any free port)")
          ->capture_default_str()
          ->transform(whole_number(0, std::numeric_limits<std::uint16_t>::max()));
  std::vector<std::string> listen;
  serve_app
      ->add_option("--listen", listen,
                   "Listen on ADDR:PORT instead of 127.0.0.1 (repeatable; [::1]:PORT for IPv6)")
      ->type_name("ADDR:PORT")
      ->allow_extra_args(false)
      ->excludes(port_option);
  serve_app->add_option("--latency", latency, "Delay before every answer, e.g. 50ms")
      ->capture_default_str();
  serve_app->add_option("--jitter", jitter, "Each delay varies by up to ± this")
      ->capture_default_str();
  serve_app->add_option("--threads", serve.config.threads, "I/O threads")
      ->capture_default_str()
      ->transform(whole_number(1, 64));
  serve_app->add_option("--seed", serve.config.seed, "Seed of the jitter and of the fault draws")
      ->capture_default_str()
      ->transform(whole_number(0, std::numeric_limits<std::uint64_t>::max()));
  const auto faults_help =
      "Faults as shares of all requests, e.g. reset-mid=0.01,503=0.005 (faults: " + fault_names() +
      ")";
  serve_app->add_option("--faults", faults, faults_help)->check(kNotEmpty);
  serve_app
      ->add_option("--bandwidth", bandwidth,
                   "Bytes per second per connection for /bytes/{n} answers, e.g. 500k, 20M "
                   "(0: unlimited)")
      ->type_name("RATE")
      ->capture_default_str();
  serve_app
      ->add_option("--capacity", serve.config.capacity,
                   "Requests in flight served without queueing: with n in flight, each one "
                   "beyond K waits S * (n - K) / K longer (S: the latency, or 10ms if 0), and "
                   "beyond 4 * K the answer is 503 with Retry-After: 1 (0: unlimited)")
      ->type_name("K")
      ->capture_default_str()
      ->transform(whole_number(0, kMaxConcurrency));  // no client has more in flight

  auto* tls_flag = serve_app->add_flag(
      "--tls", serve.tls.enabled,
      "Speak HTTPS, with a self-signed certificate made at start (or --cert and --key)");
  std::string serve_cert;
  std::string serve_key;
  auto* serve_cert_option =
      serve_app->add_option("--cert", serve_cert, "With --tls: the certificate (PEM)")
          ->needs(tls_flag)
          ->check(kNotEmpty);
  serve_app->add_option("--key", serve_key, "With --tls and --cert: its private key (PEM)")
      ->needs(serve_cert_option)
      ->check(kNotEmpty);
  std::string rate_limit;
  serve_app
      ->add_option("--rate-limit", rate_limit,
                   "A quota per fixed window, e.g. 50/1s: every answer states what is left of "
                   "it, and requests beyond it get 429 with Retry-After")
      ->type_name("N/WINDOW")
      ->check(kNotEmpty);
  const std::map<std::string, RateLimitFields> rate_limit_fields{{"ietf", RateLimitFields::Ietf},
                                                                 {"x", RateLimitFields::X}};
  std::string rate_limit_headers = "ietf";
  serve_app
      ->add_option("--rate-limit-headers", rate_limit_headers,
                   "How --rate-limit is stated: ietf (RateLimit, RateLimit-Policy) or x "
                   "(X-RateLimit-*)")
      ->check(CLI::IsMember(rate_limit_fields))
      ->capture_default_str();

  WatchCommand watch;
  auto* watch_app = app.add_subcommand(
      "watch",
      "Fetch each URL list dropped into INBOX as a job (the fetch options apply to all "
      "jobs together): results in OUTBOX/NAME.jsonl, the list then in INBOX/.done");
  watch_app->add_option("inbox", watch.inbox, "Folder to watch for list files")->required();
  watch_app->add_option("--out", watch.outbox, "Folder for the results and summaries")->required();
  // The fetch options belong to the main command; after "watch" they fall through to it.
  watch_app->fallthrough();

  watch_app->footer(watch_fetch_options(app));

  JobFlags job_flags;
  add_job_subcommands(app, job_flags);

  auto* demo_app = app.add_subcommand(
      "demo", "Fetch /todos/{1..200} at -c 10 from an in-process server with 50 ms latency");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    throw UsageError(std::string(error.what()) + " (see sluice --help)");
  }
  fetch.sources = sources_of(app.remaining(true));
  if ((serve_app->parsed() || demo_app->parsed()) && !fetch.sources.empty()) {
    throw UsageError(std::string(serve_app->parsed() ? "serve" : "demo") +
                     " takes no sources, not '" + fetch.sources.front() + "'");
  }

  if (serve_app->parsed()) {
    serve.config.latency = to_duration("--latency", latency);
    serve.config.jitter = to_duration("--jitter", jitter);
    auto mix = parse_fault_mix(faults);
    if (!mix) throw UsageError("--faults: " + mix.error());
    serve.config.faults = std::move(*mix);
    serve.config.bandwidth = to_size("--bandwidth", bandwidth);
    if (!rate_limit.empty()) serve.config.rate_limit = to_rate_limit(rate_limit);
    serve.config.rate_limit.fields = rate_limit_fields.at(rate_limit_headers);
    serve.tls.certificate = serve_cert;
    serve.tls.key = serve_key.empty() ? serve_cert : serve_key;
    if (serve.tls.enabled && listen.size() > 1) {
      throw UsageError("--tls serves one endpoint; give --listen once");
    }
    for (const auto& text : listen) {
      const auto endpoint = parse_listen_endpoint(text);
      if (!endpoint) throw UsageError("--listen: '" + text + "' is not ADDR:PORT");
      if (&text == &listen.front()) {
        serve.config.address = endpoint->address;
        serve.config.port = endpoint->port;
      } else {
        serve.config.more_endpoints.push_back(*endpoint);
      }
    }
    return serve;
  }
  if (demo_app->parsed()) return DemoCommand{};

  if (concurrency == "auto") {
    fetch.options.adaptive_concurrency = true;
  } else {
    const auto count = parse_whole_number(concurrency, 1, kMaxConcurrency);
    if (!count) throw UsageError("--concurrency (a whole number or auto): " + count.error());
    fetch.options.concurrency = *count;
  }
  if (const auto design = textbook_designs.find(engine); design != textbook_designs.end()) {
    fetch.textbook = design->second;
  } else {
    fetch.options.engine = engines.at(engine);
  }
  fetch.options.timeout = to_duration("--timeout", timeout);
  fetch.options.connect_timeout = to_duration("--connect-timeout", connect_timeout);
  fetch.options.stall_timeout = to_duration("--stall-timeout", stall_timeout);
  fetch.options.retry_backoff = to_duration("--retry-backoff", retry_backoff);
  fetch.options.max_retry_wait = to_duration("--max-retry-wait", max_retry_wait);
  fetch.options.max_body = to_size("--max-body", max_body);
  fetch.options.grace = to_duration("--grace", grace);
  if (max_bandwidth == "auto") {
    fetch.options.adaptive_bandwidth = true;
  } else {
    fetch.options.max_bandwidth = to_size("--max-bandwidth", max_bandwidth);
  }
  fetch.options.bandwidth_burst = to_size("--bandwidth-burst", bandwidth_burst);
  if (!rate.empty()) {
    auto parsed = parse_rate(rate);
    if (!parsed) throw UsageError("--rate: " + parsed.error());
    fetch.options.rate = *parsed;
  }
  if (!per_host_rate.empty()) {
    auto parsed = parse_rate(per_host_rate);
    if (!parsed) throw UsageError("--per-host-rate: " + parsed.error());
    fetch.options.per_host_rate = *parsed;
  }
  apply_request_flags(request_flags, fetch.options);
  if (!output_dir.empty()) fetch.options.output_dir = output_dir;
  fetch.options.layout = layouts.at(layout);
  if (!stats_log.empty()) fetch.options.stats_log = stats_log;
  if (!resume.empty()) {
    if (fetch.results_path && !same_file(*fetch.results_path, resume)) {
      throw UsageError("--resume " + resume + " appends to that file; --results must name it " +
                       "too or be left out, not '" + *fetch.results_path + "'");
    }
    fetch.options.resume_from = resume;
    fetch.results_path = resume;
  }
  if (auto job = job_command(job_flags, fetch)) return std::move(*job);
  if (watch_app->parsed()) {
    if (!fetch.sources.empty()) {
      throw UsageError("watch takes its URLs from the lists in INBOX, not '" +
                       fetch.sources.front() + "'");
    }
    if (fetch.textbook) throw UsageError("watch runs on --engine loop or threads only");
    if (fetch.results_path || fetch.summary_json_path || fetch.options.stats_log) {
      throw UsageError(
          "watch writes each job's results and summary to OUTBOX; --results, --resume, "
          "--summary-json and --stats-log do not apply");
    }
    watch.options = std::move(fetch.options);
    watch.progress = fetch.progress;
    watch.quiet = fetch.quiet;
    return watch;
  }
  return fetch;
}

}  // namespace sluice::cli
