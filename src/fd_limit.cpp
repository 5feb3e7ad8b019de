// Raises the open-file soft limit to the hard limit.
#include "fd_limit.hpp"

#include <sys/resource.h>

#include <fstream>

namespace sluice::detail {

void raise_open_file_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) {
    return;
  }
  // An unlimited hard limit still cannot exceed the kernel's fs.nr_open, and asking for
  // more fails with EPERM; 1 Mi is that setting's default when it cannot be read.
  rlim_t nr_open = 1U << 20U;
  std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? nr_open : limit.rlim_max;
  if (wanted <= limit.rlim_cur) {
    return;
  }
  limit.rlim_cur = wanted;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

std::uint64_t open_file_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
}

}  // namespace sluice::detail
