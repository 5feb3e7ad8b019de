// Records and acknowledgements, written together by one script, in pipelined batches.
#include "worker/ack_writer.hpp"

#include "record_codec.hpp"
#include "worker/job_hosts.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kAcksPerBatch = 500;
// How long a batch shorter than kAcksPerBatch waits for more records before it goes.
constexpr std::chrono::milliseconds kGather(20);

// KEYS: requests, results, meta, the host's lease set ("" for none). ARGV: group, entry id,
// record, "1" when it is a failure, the host lease's member.
constexpr const char* kFinishScript = R"lua(
if KEYS[4] ~= '' then redis.call('ZREM', KEYS[4], ARGV[5]) end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'record', ARGV[3], 'entry', ARGV[2])
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[3], 'failed', 1) end
return 1
)lua";

}  // namespace

AckWriter::AckWriter(const RedisUrl& url, JobKeys keys, std::string consumer,
                     std::chrono::milliseconds lease,
                     std::function<void(const std::string&)> on_failure)
    : url_(url),
      keys_(std::move(keys)),
      consumer_(std::move(consumer)),
      lease_(lease),
      on_failure_(std::move(on_failure)),
      thread_([this] { write_loop(); }) {}

AckWriter::~AckWriter() { close(); }

void AckWriter::finish(EntryInWork entry, const Record& record) {
  std::string line;
  append_json_line(line, record);
  line.pop_back();  // the newline: a stream field holds one record
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back({std::move(entry), std::move(line), !record.ok});
  }
  changed_.notify_one();
}

void AckWriter::release(EntryInWork entry) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back({std::move(entry), {}, false});
  }
  changed_.notify_one();
}

void AckWriter::close() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::vector<RedisCommand> AckWriter::commands(const std::deque<Outcome>& batch,
                                              bool by_text) const {
  std::vector<RedisCommand> commands;
  commands.reserve(batch.size());
  const std::string group(kWorkerGroup);
  for (const auto& outcome : batch) {
    const std::string& id = outcome.entry.id;
    if (outcome.record.empty()) {
      // Idle for a whole lease: claimable by the next XAUTOCLAIM of any live worker. Its host
      // lease stays until it expires: a release is rare (a stop), and one command per
      // outcome keeps replies and outcomes in step.
      commands.push_back({"XCLAIM", keys_.requests, group, consumer_, "0", id, "IDLE",
                          std::to_string(lease_.count()), "JUSTID"});
      continue;
    }
    commands.push_back({by_text ? "EVAL" : "EVALSHA", by_text ? kFinishScript : script_sha_, "4",
                        keys_.requests, keys_.results, keys_.meta, outcome.entry.host_lease, group,
                        id, outcome.record, outcome.failed ? "1" : "0",
                        host_lease_member(consumer_, outcome.entry)});
  }
  return commands;
}

void AckWriter::write_loop() {
  std::stop_source never;
  auto link = RedisLink::lazy(url_, [this](RedisLink& fresh) -> std::expected<void, RedisFailure> {
    auto loaded = fresh.call({"SCRIPT", "LOAD", kFinishScript});
    if (!loaded) return std::unexpected(loaded.error());
    script_sha_ = loaded->text;
    return {};
  });
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;
    // A short queue waits for company: written as they came, records under steady traffic
    // went one per round trip. The wait is small beside any lease (300 ms at least), which
    // no one renews once an entry's record is queued here.
    changed_.wait_for(lock, kGather, [&] { return closing_ || queue_.size() >= kAcksPerBatch; });
    std::deque<Outcome> batch;
    while (!queue_.empty() && batch.size() < kAcksPerBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    // Given up on, a batch's entries stay pending: a live worker claims them.
    // Sent again after a reconnect, a batch does no harm: see the script.
    auto replies = link.pipeline_retrying(commands(batch, false), never.get_token());
    if (replies) {
      bool unknown_script = false;
      for (const auto& reply : *replies) unknown_script |= reply.text.starts_with("NOSCRIPT");
      if (unknown_script)
        replies = link.pipeline_retrying(commands(batch, true), never.get_token());
    }
    if (!replies) {
      on_failure_(replies.error().message);
    } else {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const RedisReply& reply = (*replies)[i];
        if (batch[i].record.empty()) {
          released_.fetch_add(1, std::memory_order_relaxed);
        } else if (reply.is_error()) {
          on_failure_(reply.text);
        } else if (reply.integer == 1) {
          written_.fetch_add(1, std::memory_order_relaxed);
        } else {
          done_elsewhere_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    lock.lock();
  }
}

}  // namespace sluice::detail
