// Lets a process hold as many sockets as the system allows it (10,000 connections and more).
#pragma once

#include <cstdint>

namespace sluice::detail {

// Raises the soft RLIMIT_NOFILE to the hard limit. Best effort: a failure leaves the limit as
// it was, and the caller then meets EMFILE like any other resource error.
void raise_open_file_limit() noexcept;

// The soft RLIMIT_NOFILE now in force.
std::uint64_t open_file_limit() noexcept;

}  // namespace sluice::detail
