// XREADGROUP and XAUTOCLAIM into admission.
#include "worker/entry_feeder.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "limit/host_key.hpp"
#include "scope_exit.hpp"
#include "worker/entry_item.hpp"
#include "worker/host_lease_queues.hpp"
#include "worker/job_hosts.hpp"
#include "worker/job_rate.hpp"
#include "worker/stoppable_sleep.hpp"

namespace sluice::detail {
namespace {

// How long one XREADGROUP waits for new entries: the stop and the claims are looked at in
// between.
constexpr std::chrono::milliseconds kBlock(500);
constexpr std::size_t kMostPerRead = 500;
// How often entries waiting for a lease of their host try again, while nothing else moves.
constexpr std::chrono::milliseconds kPoll(10);

// Puts the entries of `entries` (an array of [id, [field, value...]]) in work and makes their
// items; an entry whose fields are gone (deleted) is skipped, and so is one in work here
// already.
std::vector<TakenEntry> take_entries(const RedisReply& entries, EntriesInWork& in_work) {
  std::vector<TakenEntry> taken;
  taken.reserve(entries.elements.size());
  for (const auto& entry : entries.elements) {
    if (entry.elements.size() != 2) continue;
    const std::string& id = entry.elements[0].text;
    // In work from now, so that LeaseKeeper renews the entries still waiting for their host
    // lease or their start: a wait longer than the lease would else let a claim, this
    // worker's own included, take them a second time.
    if (const auto index = in_work.add(id)) {
      InputItem item = item_from_entry(entry.elements[1], *index, id);
      if (!item.error) item.host = host_key(item.fetch_url).value_or("");
      taken.push_back({.item = std::move(item), .id = id});
    }
  }
  return taken;
}

// Starts taken entries in admission. With `hosts` (a job-wide --per-host), each once it holds
// a lease of its host: those whose host is at its cap wait in their host's queue, across
// reads, while the others go. With `rate`, each fetchable item is pushed at the start it
// reserved on the job's schedule, so admission starts it then (or later, if all slots are
// busy). An entry not pushed when admission is cancelled or `stop` requested stays in work,
// for the worker to hand back.
// Thread-safety: none; the feeder's. Lifetime: uses its arguments for its own.
class EntryStarter {
 public:
  struct Round {
    std::size_t started = 0;
    bool stopped = false;  // admission cancelled or `stop` requested
  };

  EntryStarter(Admission& admission, EntriesInWork& in_work, JobRate* rate, JobHostLeases* hosts,
               std::size_t per_host, std::stop_token stop)
      : admission_(admission), in_work_(in_work), rate_(rate), hosts_(hosts), stop_(stop) {
    if (hosts != nullptr) queues_.emplace(*hosts, per_host);
  }

  void add(std::vector<TakenEntry> entries) {
    for (auto& entry : entries) {
      if (queues_ && !entry.item.host.empty()) {
        queues_->add(std::move(entry));
      } else {
        ready_.push_back(std::move(entry));
      }
    }
  }
  // Entries wait for a lease of their host.
  bool waiting() const noexcept { return queues_ && !queues_->empty(); }

  // Pushes the entries added and those whose host lease could be taken now (one try per
  // waiting host, see HostLeaseQueues), in input order.
  std::expected<Round, RedisFailure> start_round() {
    std::vector<TakenEntry> starting = std::exchange(ready_, {});
    if (waiting()) {
      auto leased = queues_->take_leased(stop_);
      if (!leased) return std::unexpected(leased.error());
      for (auto& entry : *leased) {
        in_work_.set_host_lease(entry.item.index, hosts_->key(entry.item.host));
        starting.push_back(std::move(entry));
      }
    }
    std::ranges::sort(starting, {}, [](const TakenEntry& entry) { return entry.item.index; });
    return start(starting);
  }

 private:
  std::expected<Round, RedisFailure> start(std::vector<TakenEntry>& starting) {
    Round round;
    std::chrono::steady_clock::time_point next_start;
    if (rate_ != nullptr && !starting.empty()) {
      auto reserved = rate_->reserve(starting.size(), stop_);
      if (!reserved) return std::unexpected(reserved.error());
      next_start = *reserved;
    }
    for (std::size_t n = 0; n < starting.size(); ++n) {
      InputItem& item = starting[n].item;
      if (rate_ != nullptr && !item.error) {
        // Starts more than an interval past their slots (a starved thread) take new ones, for
        // the rest of the round: catching up would push the missed starts back to back, so
        // that more than the rate of them met the server within a second. The slots given up
        // are the job's loss, never another worker's. An entry that waited for its host lease
        // reserves its slot in the round it starts, not before.
        if (std::chrono::steady_clock::now() > next_start + rate_->interval()) {
          auto reserved = rate_->reserve(starting.size() - n, stop_);
          if (!reserved) return std::unexpected(reserved.error());
          next_start = *reserved;
        }
        if (!sleep_until_unless_stopped(next_start, stop_)) {
          round.stopped = true;
          return round;
        }
        next_start += rate_->interval();
      }
      if (!admission_.push(std::move(item))) {
        round.stopped = true;
        return round;
      }
      ++round.started;
    }
    return round;
  }

  Admission& admission_;
  EntriesInWork& in_work_;
  JobRate* const rate_;
  JobHostLeases* const hosts_;
  const std::stop_token stop_;
  std::vector<TakenEntry> ready_;  // need no host lease: not fetchable, or no job-wide cap
  std::optional<HostLeaseQueues> queues_;
};

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
  EntryStarter starter(admission, in_work, rate ? &*rate : nullptr, hosts ? &*hosts : nullptr,
                       settings.job_per_host, stop);
  // Idle entries are looked for three times per lease (LeaseKeeper renews as often).
  const auto claim_every = settings.lease / 3;
  auto next_claim = std::chrono::steady_clock::now();
  std::string claim_cursor = "0-0";
  // However it ends: a stop, the job done, a failure.
  const ScopeExit close_admission([&] { admission.close(); });
  const auto failed = [](const std::string& message) {
    return std::optional<std::string>(message);
  };
  // Each turn: entries claimed and read (while there is room) join those waiting for their
  // host, and one round starts what it can.
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
          starter.add(take_entries(claimed->elements[1], in_work));
        }
      }
    }
    const auto free = room();
    bool got = false;
    if (free >= refill) {
      // Entries waiting for their host try again every kPoll: then a read only looks (BLOCK 0
      // would wait for ever).
      const auto block = starter.waiting() ? std::chrono::milliseconds(1) : kBlock;
      auto read = link.call_retrying(
          {"XREADGROUP", "GROUP", group, settings.consumer, "COUNT", std::to_string(free), "BLOCK",
           std::to_string(block.count()), "STREAMS", keys.requests, ">"},
          stop);
      if (!read) return failed(read.error().message);
      if (read->is_error()) return failed(read->text);  // NOGROUP: the job was deleted
      for (const auto& stream : read->elements) {
        if (stream.elements.size() != 2 || stream.elements[1].elements.empty()) continue;
        got = true;
        starter.add(take_entries(stream.elements[1], in_work));
      }
    }
    const auto round = starter.start_round();
    if (!round) return failed(round.error().message);
    if (round->stopped) break;
    if (got || round->started > 0) continue;
    // Nothing moved: the hosts waited for are all at their cap. Their leases free up as
    // transfers end, here or at another worker, which no event of ours tells.
    if (starter.waiting()) {
      sleep_unless_stopped(kPoll, stop);
      continue;
    }
    if (free < refill) {
      in_work.wait_for_room(settings.most_in_work - refill + 1, kBlock);
      continue;
    }
    if (in_work.size() != 0) continue;
    auto done = job_done(link, keys, stop);
    if (!done) return failed(done.error().message);
    // Else pending elsewhere: a worker may have died; its entries come back by XAUTOCLAIM.
    if (*done) break;
  }
  return std::nullopt;
}

}  // namespace sluice::detail
