// Raises the open-file soft limit to the hard limit.
#include "fd_limit.hpp"

#include <sys/resource.h>

namespace sluice {

void raise_open_file_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) {
    return;
  }
  // An unlimited hard limit still cannot exceed the kernel's fs.nr_open (1 Mi by default), and
  // asking for more fails with EPERM, so fall back to that default.
  constexpr rlim_t kNrOpenDefault = 1U << 20U;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kNrOpenDefault : limit.rlim_max;
  if (wanted <= limit.rlim_cur) {
    return;
  }
  limit.rlim_cur = wanted;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace sluice
