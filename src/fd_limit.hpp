// Lets a process hold as many sockets as the system allows it (10,000 connections and more),
// and tells a failure for want of a free descriptor from other failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice::detail {

// How long what found no free descriptor (a transfer, a watch job) waits before it tries
// again: long enough for transfers in flight to end and close theirs, short beside a request.
inline constexpr std::chrono::milliseconds kDescriptorWait{100};

// Raises the soft RLIMIT_NOFILE to the hard limit. Best effort: a failure leaves the limit as
// it was, and the caller then meets EMFILE like any other resource error.
void raise_open_file_limit() noexcept;

// The soft RLIMIT_NOFILE now in force.
std::uint64_t open_file_limit() noexcept;

// Whether `error` (an errno value) says that no descriptor was free: EMFILE (this process)
// or ENFILE (the system). Such a failure passes once other descriptors close.
bool is_descriptor_shortage(int error) noexcept;

// Whether `message` ends with EMFILE or ENFILE in the words std::generic_category() (and
// strerror) give them, for the errors that reach us as text ("cannot create FILE: Too many
// open files").
bool tells_of_descriptor_shortage(std::string_view message);

// Whether this process has no descriptor free now (one is opened and closed to find out):
// for failures whose cause libcurl does not pass on, such as a name lookup that could not
// open /etc/hosts or its socket.
bool out_of_descriptors_now() noexcept;

}  // namespace sluice::detail
