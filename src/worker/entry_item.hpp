// One URL as a stream entry of a job, and back: what submit writes and a worker reads.
#pragma once

#include <cstdint>
#include <string_view>

#include "input/input_item.hpp"
#include "worker/redis_link.hpp"
#include "worker/redis_reply.hpp"

namespace sluice::detail {

// The field, value pairs of `item`'s entry: url (as shown in records), fetch (what to
// fetch, credentials included), source, and the error of an item the reader found bad.
RedisCommand entry_fields(const InputItem& item);

// The item entry `id` stands for, numbered `index`. Its URL is checked again, so that an
// entry written by hand gets the record a bad line gets; an entry without a url is an
// invalid_url item whose source names the entry ("redis:ID"). Never throws.
InputItem item_from_entry(const RedisReply& fields, std::uint64_t index, std::string_view id);

}  // namespace sluice::detail
