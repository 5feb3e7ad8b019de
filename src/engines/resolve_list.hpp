// --resolve: names the run resolves to given addresses without asking the system's
// resolver, as curl's option of that name does, in the list libcurl takes (CURLOPT_RESOLVE).
#pragma once

#include <curl/curl.h>

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

// Whether `entry` is "HOST:PORT:ADDR[,ADDR]...": HOST without ':' (or '*' for every host),
// PORT from 1 to 65535, each ADDR an IPv4 or IPv6 address (IPv6 may stand in brackets).
// Returns why not, naming the part that is wrong. curl's '+' and '-' prefixes are refused.
std::expected<void, std::string> check_resolve_entry(std::string_view entry);

// Thread-safe once built: libcurl only reads the list, so every handle of a run may share it.
// Movable, not copyable. Lifetime: must outlive every transfer it was set on.
class ResolveList {
 public:
  // The entries must have passed check_resolve_entry(). Throws std::bad_alloc.
  explicit ResolveList(const std::vector<std::string>& entries = {});
  ResolveList(ResolveList&& other) noexcept;
  ResolveList& operator=(ResolveList&& other) noexcept;
  ResolveList(const ResolveList&) = delete;
  ResolveList& operator=(const ResolveList&) = delete;
  ~ResolveList();

  // For CURLOPT_RESOLVE; null when there are no entries.
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace sluice::detail
