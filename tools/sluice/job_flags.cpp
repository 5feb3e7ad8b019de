// The flags of submit, worker, results and status.
#include "job_flags.hpp"

#include <cstdlib>

#include "sluice/errors.hpp"
#include "units.hpp"

namespace sluice::cli {
namespace {

constexpr const char* kRedisHelp =
    "Redis server: redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB] (default: $SLUICE_REDIS_URL, "
    "else redis://127.0.0.1:6379)";

void add_target(CLI::App& command, JobTarget& target) {
  command.add_option("--redis", target.redis, kRedisHelp)->type_name("URL");
  command.add_option("--job", target.job, "The job's name")->required();
  command
      .add_option("--redis-cacert", target.redis_ca_file,
                  "rediss://: trust the CA certificates in this PEM file (default: "
                  "$SSL_CERT_FILE, the system's)")
      ->type_name("FILE");
  command
      .add_option("--redis-cert", target.redis_cert_file,
                  "rediss://: client certificate (PEM) for a server that asks for one")
      ->type_name("FILE");
  command.add_option("--redis-key", target.redis_key_file, "Private key of --redis-cert (PEM)")
      ->type_name("FILE");
  command.add_flag("--redis-insecure", target.redis_insecure,
                   "rediss://: skip the check of the server's certificate");
}

// The URL given, else the environment's, else the local default: a password in
// $SLUICE_REDIS_URL stays out of the process list.
void settle_target(JobTarget& target) {
  if (!target.redis.empty()) return;
  const char* from_environment = std::getenv("SLUICE_REDIS_URL");
  target.redis = from_environment != nullptr && *from_environment != '\0'
                     ? from_environment
                     : "redis://127.0.0.1:6379";
}

}  // namespace

void add_job_subcommands(CLI::App& app, JobFlags& flags) {
  flags.submit = app.add_subcommand(
      "submit", "Add the URLs of SOURCE... to a job on Redis, for `sluice worker`s to fetch");
  add_target(*flags.submit, flags.submit_command.target);
  flags.submit->add_flag("--append", flags.submit_command.append,
                         "Add to a job that exists already (else a second submit is refused)");
  // Its sources reach the main command's leftovers (fetch.sources), checked there.
  flags.submit->allow_extras();

  flags.worker = app.add_subcommand(
      "worker",
      "Fetch a job's URLs from Redis with the fetch options above, writing the records back; "
      "run one per machine (or more)");
  add_target(*flags.worker, flags.worker_command.target);
  flags.worker->add_option("--consumer", flags.worker_command.consumer,
                           "This worker's name in the job's group (default HOSTNAME-PID)");
  flags.worker
      ->add_option("--lease", flags.lease,
                   "An entry a worker has not renewed for this long goes to another worker")
      ->capture_default_str();
  flags.worker->fallthrough();

  flags.results = app.add_subcommand("results", "Print a job's records as JSON lines");
  add_target(*flags.results, flags.results_command.target);
  flags.results->add_flag("--follow", flags.results_command.follow,
                          "Wait for more records until the job is done");

  flags.status = app.add_subcommand(
      "status", "Show a job's entries: submitted, done, failed, waiting, pending per worker");
  add_target(*flags.status, flags.status_command.target);
}

std::optional<ParsedCommand> job_command(JobFlags& flags, FetchCommand& fetch) {
  const auto no_sources = [&](const char* name) {
    if (!fetch.sources.empty()) {
      throw UsageError(std::string(name) + " takes no sources, not '" + fetch.sources.front() +
                       "'");
    }
  };
  if (flags.submit->parsed()) {
    auto& command = flags.submit_command;
    if (fetch.sources.empty()) throw UsageError("submit needs at least one SOURCE");
    settle_target(command.target);
    command.sources = std::move(fetch.sources);
    command.max_expansion = fetch.options.max_expansion;
    return command;
  }
  if (flags.worker->parsed()) {
    no_sources("worker");
    if (fetch.textbook) throw UsageError("worker runs on --engine loop or threads only");
    if (fetch.results_path || fetch.summary_json_path || fetch.options.stats_log) {
      throw UsageError(
          "worker writes its records to the job's results stream; --results, --resume, "
          "--summary-json and --stats-log do not apply");
    }
    auto& command = flags.worker_command;
    settle_target(command.target);
    const auto lease = detail::parse_duration(flags.lease);
    if (!lease || lease->count() < 300) {
      throw UsageError("--lease: at least 300ms, not '" + flags.lease + "'");
    }
    command.lease = *lease;
    command.options = std::move(fetch.options);
    command.quiet = fetch.quiet;
    return command;
  }
  if (flags.results->parsed()) {
    no_sources("results");
    settle_target(flags.results_command.target);
    return flags.results_command;
  }
  if (flags.status->parsed()) {
    no_sources("status");
    settle_target(flags.status_command.target);
    return flags.status_command;
  }
  return std::nullopt;
}

}  // namespace sluice::cli
