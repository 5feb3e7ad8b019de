// The round trip a receiving socket has measured, read from TCP_INFO: what --max-bandwidth
// auto's link controller sees of the link's queue.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace sluice::detail {

// tcpi_rcv_rtt of the transfer's connection: the receiver's own estimate (from TCP
// timestamps: the time from an ACK it sent to data that answers it), which includes the time
// the data waited in the link's queue. tcpi_rtt would not do: a receiver sends little, so
// it is rarely measured and mostly over the uncongested direction. nullopt when there is no
// socket yet, it is not TCP, or no estimate was made yet (0).
std::optional<std::chrono::microseconds> receive_rtt(CURL* easy);

}  // namespace sluice::detail
