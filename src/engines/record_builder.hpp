// The parts of a Record that come from the input item and from libcurl's account of the
// answer, and the records of items that were never fetched.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "input/input_item.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// The record of one attempt at `item`, before its outcome: index, id, URL and source (moved
// out of `item`), the attempt's number and the body bytes received.
Record attempt_record(InputItem& item, std::uint64_t bytes);

// Fills in what libcurl knows of `easy`'s answer so far (status, times and phases, final URL
// without its credentials, remote address, content type, and the values of `record_headers`);
// returns the status, 0 before any. `earlier_redirects`: those the attempt followed in
// transfers before this one (an engine that follows them itself).
long read_answer(CURL* easy, Record& record, int earlier_redirects = 0,
                 const std::vector<std::string>& record_headers = {});

// A record for an input item that was never fetched (bad URL, or cancelled).
Record unfetched_record(InputItem&& item, FetchError error);

// The record of an item not fetched because its body is already saved at `saved_to`.
Record skipped_record(InputItem&& item, std::string saved_to);

// The record of an item that a stopped run never started (or never retried: then with the
// status of its last attempt).
Record cancelled_record(InputItem&& item);

}  // namespace sluice::detail
