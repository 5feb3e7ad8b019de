// XREADGROUP and XAUTOCLAIM into admission.
#include "worker/entry_feeder.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "limit/host_key.hpp"
#include "scope_exit.hpp"
#include "worker/entry_item.hpp"
#include "worker/job_hosts.hpp"
#include "worker/job_rate.hpp"

namespace sluice::detail {
namespace {

// How long one XREADGROUP waits for new entries: the stop and the claims are looked at in
// between.
constexpr std::chrono::milliseconds kBlock(500);
constexpr std::size_t kMostPerRead = 500;

// Pushes the entries of `entries` (an array of [id, [field, value...]]); an entry whose
// fields are gone (deleted) is skipped, and so is one in work here already. With `hosts`,
// each item first waits for a lease of its host (a job-wide --per-host). With `rate`, each
// fetchable item is pushed at the start it reserved on the job's schedule, so admission
// starts it then (or later, if all slots are busy). False once admission is cancelled or
// `stop` requested; the entries not pushed stay in work, for the worker to hand back.
std::expected<bool, RedisFailure> push_entries(const RedisReply& entries, Admission& admission,
                                               EntriesInWork& in_work, JobRate* rate,
                                               JobHostLeases* hosts, std::stop_token stop) {
  std::chrono::steady_clock::time_point next_start;
  if (rate != nullptr && !entries.elements.empty()) {
    auto reserved = rate->reserve(entries.elements.size(), stop);
    if (!reserved) return std::unexpected(reserved.error());
    next_start = *reserved;
  }
  // All of them in work at once, so that LeaseKeeper renews those still waiting for their
  // host lease or their start: a wait longer than the lease would else let a claim, this
  // worker's own included, take them a second time.
  std::vector<std::pair<std::uint64_t, const RedisReply*>> taken;
  taken.reserve(entries.elements.size());
  for (const auto& entry : entries.elements) {
    if (entry.elements.size() != 2) continue;
    if (const auto index = in_work.add(entry.elements[0].text)) {
      taken.emplace_back(*index, &entry);
    }
  }
  for (std::size_t n = 0; n < taken.size(); ++n) {
    const auto& [index, entry] = taken[n];
    const std::string& id = entry->elements[0].text;
    InputItem item = item_from_entry(entry->elements[1], index, id);
    if (!item.error) item.host = host_key(item.fetch_url).value_or("");
    if (hosts != nullptr && !item.host.empty()) {
      auto acquired =
          hosts->acquire(item.host, EntryInWork{.id = id, .index = index, .host_lease = {}}, stop);
      if (!acquired) return std::unexpected(acquired.error());
      if (!*acquired) return false;
      in_work.set_host_lease(index, hosts->key(item.host));
    }
    if (rate != nullptr && !item.error) {
      // Starts more than an interval past their slots (a host lease waited for, a starved
      // thread) take new ones, for the rest of the batch: catching up would push the missed
      // starts back to back, so that more than the rate of them met the server within a
      // second. The slots given up are the job's loss, never another worker's.
      if (std::chrono::steady_clock::now() > next_start + rate->interval()) {
        auto reserved = rate->reserve(taken.size() - n, stop);
        if (!reserved) return std::unexpected(reserved.error());
        next_start = *reserved;
      }
      if (!sleep_until_unless_stopped(next_start, stop)) return false;
      next_start += rate->interval();
    }
    if (!admission.push(std::move(item))) return false;
  }
  return true;
}

// The job is over: no submit still adding, and a record for every entry (each entry gets
// exactly one, see AckWriter), so nothing is pending or undelivered either.
std::expected<bool, RedisFailure> job_done(RedisLink& link, const JobKeys& keys,
                                           std::stop_token stop) {
  auto replies = link.pipeline_retrying(
      {{"HGET", keys.meta, "open"}, {"XLEN", keys.requests}, {"XLEN", keys.results}}, stop);
  if (!replies) return std::unexpected(replies.error());
  const auto& open = (*replies)[0];
  if (open.type == RedisReply::Type::String && open.text != "0") return false;
  return (*replies)[2].integer >= (*replies)[1].integer;
}

}  // namespace

std::optional<std::string> feed_entries(RedisLink& link, const JobKeys& keys,
                                        const FeederSettings& settings, Admission& admission,
                                        EntriesInWork& in_work, std::stop_token stop) {
  const std::string group(kWorkerGroup);
  const std::string lease_ms = std::to_string(settings.lease.count());
  std::optional<JobRate> rate;
  if (settings.job_rate > 0) rate.emplace(link, keys, settings.job_rate);
  const std::size_t most_per_read = rate ? std::min(kMostPerRead, rate->batch()) : kMostPerRead;
  // A read waits until a quarter of the entries a worker may hold has room: reading as soon
  // as one entry had room took one or two entries per XREADGROUP under steady traffic (0.5
  // reads per URL at -c 50 against 50 ms answers); the three quarters still held keep the
  // engine busy (at least -c of them are queued or in flight) while the read goes.
  const std::size_t refill =
      std::min(most_per_read, std::max<std::size_t>(1, settings.most_in_work / 4));
  std::optional<JobHostLeases> hosts;
  if (settings.job_per_host > 0) {
    hosts.emplace(link, keys, settings.consumer, settings.job_per_host, settings.lease);
  }
  const auto push = [&](const RedisReply& entries) {
    return push_entries(entries, admission, in_work, rate ? &*rate : nullptr,
                        hosts ? &*hosts : nullptr, stop);
  };
  // Idle entries are looked for three times per lease (LeaseKeeper renews as often).
  const auto claim_every = settings.lease / 3;
  auto next_claim = std::chrono::steady_clock::now();
  std::string claim_cursor = "0-0";
  // However it ends: a stop, the job done, a failure.
  const ScopeExit close_admission([&] { admission.close(); });
  const auto failed = [](const std::string& message) {
    return std::optional<std::string>(message);
  };
  while (!stop.stop_requested() && !admission.cancelled()) {
    const auto room = [&] {
      const auto taken = in_work.size();
      return std::min(most_per_read,
                      settings.most_in_work - std::min(taken, settings.most_in_work));
    };
    if (std::chrono::steady_clock::now() >= next_claim) {
      next_claim = std::chrono::steady_clock::now() + claim_every;
      if (const auto free = room(); free > 0) {
        auto claimed = link.call_retrying({"XAUTOCLAIM", keys.requests, group, settings.consumer,
                                           lease_ms, claim_cursor, "COUNT", std::to_string(free)},
                                          stop);
        if (!claimed) return failed(claimed.error().message);
        if (claimed->is_error()) return failed(claimed->text);
        if (claimed->elements.size() >= 2) {
          claim_cursor = claimed->elements[0].text;
          const auto pushed = push(claimed->elements[1]);
          if (!pushed) return failed(pushed.error().message);
          if (!*pushed) break;
        }
      }
    }
    const auto free = room();
    if (free < refill) {
      in_work.wait_for_room(settings.most_in_work - refill + 1, kBlock);
      continue;
    }
    auto read = link.call_retrying(
        {"XREADGROUP", "GROUP", group, settings.consumer, "COUNT", std::to_string(free), "BLOCK",
         std::to_string(kBlock.count()), "STREAMS", keys.requests, ">"},
        stop);
    if (!read) return failed(read.error().message);
    if (read->is_error()) return failed(read->text);  // NOGROUP: the job was deleted
    bool got = false;
    for (const auto& stream : read->elements) {
      if (stream.elements.size() != 2 || stream.elements[1].elements.empty()) continue;
      got = true;
      const auto pushed = push(stream.elements[1]);
      if (!pushed) return failed(pushed.error().message);
      if (!*pushed) break;
    }
    if (got || in_work.size() != 0) continue;
    auto done = job_done(link, keys, stop);
    if (!done) return failed(done.error().message);
    // Else pending elsewhere: a worker may have died; its entries come back by XAUTOCLAIM.
    if (*done) break;
  }
  return std::nullopt;
}

}  // namespace sluice::detail
