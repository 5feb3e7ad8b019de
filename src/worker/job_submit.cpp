// Submitting a job: meta hash, group, and the entries in pipelined batches.
#include "worker/job_submit.hpp"

#include <chrono>
#include <vector>

#include "worker/entry_item.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kLinesPerBatch = 1000;

std::string unix_seconds() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// The first error among `replies`, as a message.
std::optional<std::string> first_error(const std::vector<RedisReply>& replies) {
  for (const auto& reply : replies) {
    if (reply.is_error()) return reply.text;
  }
  return std::nullopt;
}

}  // namespace

std::expected<std::uint64_t, std::string> submit_job(RedisLink& link, const JobKeys& keys,
                                                     std::string_view job, SourceReader& reader,
                                                     bool append) {
  const auto fail = [](const RedisFailure& failure) { return std::unexpected(failure.message); };
  auto created = link.call({"HSETNX", keys.meta, "created", unix_seconds()});
  if (!created) return fail(created.error());
  if (created->is_error()) return std::unexpected(created->text);
  if (created->integer == 0 && !append) {
    auto submitted = link.call({"HGET", keys.meta, "submitted"});
    const std::string count = submitted && !submitted->text.empty() ? submitted->text : "0";
    return std::unexpected("job '" + std::string(job) + "' exists already (" + count +
                           " entries submitted); --append adds to it, or give the job a new name");
  }
  auto group = link.pipeline(
      {{"XGROUP", "CREATE", keys.requests, std::string(kWorkerGroup), "0", "MKSTREAM"},
       {"HINCRBY", keys.meta, "open", "1"}});
  if (!group) return fail(group.error());
  if ((*group)[0].is_error() && !(*group)[0].text.starts_with("BUSYGROUP")) {
    return std::unexpected((*group)[0].text);
  }

  std::uint64_t added = 0;
  std::optional<std::string> error;
  std::vector<RedisCommand> batch;
  batch.reserve(kLinesPerBatch + 1);
  const auto send = [&] {
    if (batch.empty()) return true;
    const auto entries = batch.size();
    batch.push_back({"HINCRBY", keys.meta, "submitted", std::to_string(entries)});
    auto replies = link.pipeline(batch);
    batch.clear();
    if (!replies) {
      error = replies.error().message;
      return false;
    }
    if (auto refused = first_error(*replies)) {
      error = *refused;
      return false;
    }
    added += entries;
    return true;
  };
  reader.read_all([&](InputItem&& item) {
    RedisCommand command{"XADD", keys.requests, "*"};
    auto fields = entry_fields(item);
    command.insert(command.end(), std::make_move_iterator(fields.begin()),
                   std::make_move_iterator(fields.end()));
    batch.push_back(std::move(command));
    return batch.size() < kLinesPerBatch || send();
  });
  if (!error) send();
  if (error) {
    return std::unexpected(*error + " (after " + std::to_string(added) +
                           " entries; the job stays open)");
  }
  auto closed = link.call({"HINCRBY", keys.meta, "open", "-1"});
  if (!closed) return fail(closed.error());
  return added;
}

}  // namespace sluice::detail
