// `sluice submit`, `worker`, `results` and `status`: a job on Redis Streams shared by
// workers on many machines (docs/scale-out.md).
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "input/source_reader.hpp"
#include "printable.hpp"
#include "sluice/errors.hpp"
#include "stop_signals.hpp"
#include "worker/job_keys.hpp"
#include "worker/job_results.hpp"
#include "worker/job_status.hpp"
#include "worker/job_submit.hpp"
#include "worker/worker_run.hpp"

namespace sluice::cli {

using namespace sluice::detail;
namespace {

RedisUrl redis_url(const JobTarget& target) {
  auto url = parse_redis_url(target.redis);
  if (!url) throw UsageError("--redis: " + url.error());
  const bool tls_asked = !target.redis_ca_file.empty() || !target.redis_cert_file.empty() ||
                         !target.redis_key_file.empty() || target.redis_insecure;
  if (tls_asked && !url->tls) {
    throw UsageError(
        "--redis-cacert, --redis-cert, --redis-key and --redis-insecure need a rediss:// URL");
  }
  if (!target.redis_key_file.empty() && target.redis_cert_file.empty()) {
    throw UsageError("--redis-key needs --redis-cert");
  }
  if (url->tls) {
    url->tls = RedisTls{.ca_file = target.redis_ca_file,
                        .cert_file = target.redis_cert_file,
                        .key_file = target.redis_key_file,
                        .verify = !target.redis_insecure};
  }
  return *url;
}

JobKeys keys_of(const JobTarget& target) {
  auto keys = job_keys(target.job);
  if (!keys) throw UsageError("--job: " + keys.error());
  return *keys;
}

RedisLink connect(const JobTarget& target) {
  auto link = RedisLink::open(redis_url(target));
  if (!link) throw UsageError(link.error().message);
  return std::move(*link);
}

std::string default_consumer() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "worker") + "-" + std::to_string(::getpid());
}

}  // namespace

int run_submit(const SubmitCommand& command) {
  const JobKeys keys = keys_of(command.target);
  SourceReader reader(command.sources, SourceLimits{.max_expansion = command.max_expansion,
                                                    .max_line_bytes = 65536});
  RedisLink link = connect(command.target);
  auto added = submit_job(link, keys, command.target.job, reader, command.append);
  if (!added) {
    std::cerr << "sluice: " << printable(added.error()) << '\n';
    return kExitUsage;
  }
  std::cout << *added << '\n';
  return kExitOk;
}

int run_worker(const WorkerCommand& command) {
  WorkerSettings settings{
      .redis = redis_url(command.target),
      .job = command.target.job,
      .consumer = command.consumer.empty() ? default_consumer() : command.consumer,
      .lease = command.lease,
  };
  const std::string consumer = settings.consumer;
  WorkerRun worker(command.options, std::move(settings));
  const StopSignals signals(command.options.grace);
  LiveCounters live;
  const WorkerReport report = worker.run(signals.control(), live);
  if (!command.quiet) {
    std::cerr << "sluice: worker " << printable(consumer) << ": " << report.records << " records ("
              << report.ok << " ok), " << report.written << " written";
    if (report.done_elsewhere > 0) std::cerr << ", " << report.done_elsewhere << " done elsewhere";
    if (report.released > 0) std::cerr << ", " << report.released << " handed back";
    std::cerr << '\n';
  }
  if (report.failure) {
    std::cerr << "sluice: " << printable(*report.failure) << '\n';
    return kExitOutputFailed;
  }
  if (const int signal = signals.received(); signal != 0) return 128 + signal;
  return kExitOk;
}

int run_results(const ResultsCommand& command) {
  const JobKeys keys = keys_of(command.target);
  RedisLink link = connect(command.target);
  auto exists = link.call({"EXISTS", keys.meta});
  if (exists && exists->integer == 0) {
    throw UsageError("no job '" + command.target.job + "' on " + link.url().shown());
  }
  const StopSignals signals(std::chrono::milliseconds(0));
  auto written = write_results(link, keys, std::cout, command.follow, signals.control().stop);
  if (!written) {
    std::cerr << "sluice: " << printable(written.error()) << '\n';
    return kExitOutputFailed;
  }
  if (!std::cout) return kExitOutputFailed;
  if (const int signal = signals.received(); signal != 0) return 128 + signal;
  return kExitOk;
}

int run_status(const StatusCommand& command) {
  const JobKeys keys = keys_of(command.target);
  RedisLink link = connect(command.target);
  auto status = job_status(link, keys, command.target.job);
  if (!status) throw UsageError(status.error());
  std::cout << format_job_status(*status);
  return kExitOk;
}

}  // namespace sluice::cli
