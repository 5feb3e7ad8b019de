// Raises the open-file soft limit to the hard limit, and recognises a shortage of descriptors.
#include "fd_limit.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <system_error>

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

bool is_descriptor_shortage(int error) noexcept { return error == EMFILE || error == ENFILE; }

bool tells_of_descriptor_shortage(std::string_view message) {
  // Only at the end, where the reason stands: a file named "Too many open files" that
  // fails for another reason must not wait forever.
  for (const int error : {EMFILE, ENFILE}) {
    if (message.ends_with(": " + std::generic_category().message(error))) return true;
  }
  return false;
}

bool out_of_descriptors_now() noexcept {
  const int probe = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
  if (probe >= 0) {
    ::close(probe);
    return false;
  }
  return is_descriptor_shortage(errno);
}

}  // namespace sluice::detail
