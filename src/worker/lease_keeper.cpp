// The renewal loop.
#include "worker/lease_keeper.hpp"

#include "worker/job_hosts.hpp"
#include "worker/redis_link.hpp"
#include "worker/stoppable_sleep.hpp"

namespace sluice::detail {

LeaseKeeper::LeaseKeeper(const RedisUrl& url, const JobKeys& keys, std::string consumer,
                         std::chrono::milliseconds lease, const EntriesInWork& in_work,
                         std::function<void(const std::string&)> on_failure)
    : url_(url),
      keys_(keys),
      consumer_(std::move(consumer)),
      lease_(lease),
      in_work_(in_work),
      on_failure_(std::move(on_failure)),
      thread_([this](std::stop_token stop) { renew_until(stop); }) {}

void LeaseKeeper::renew_until(std::stop_token stop) {
  RedisLink link = RedisLink::lazy(url_, {});
  // Three times per lease, so that one late renewal does not lose an entry.
  const auto every = lease_ / 3;
  for (;;) {
    if (!sleep_unless_stopped(every, stop)) return;
    const auto entries = in_work_.entries();
    if (entries.empty()) continue;
    RedisCommand renew{"XCLAIM", keys_.requests, std::string(kWorkerGroup), consumer_, "0"};
    for (const auto& entry : entries) renew.push_back(entry.id);
    renew.push_back("JUSTID");
    std::vector<RedisCommand> renewals{std::move(renew)};
    if (auto hosts = host_lease_renewal(entries, consumer_, lease_)) {
      renewals.push_back(std::move(*hosts));
    }
    if (auto renewed = link.pipeline_retrying(renewals, stop); !renewed) {
      if (!stop.stop_requested()) on_failure_(renewed.error().message);
      return;
    }
  }
}

}  // namespace sluice::detail
