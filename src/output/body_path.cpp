// Where under the output directory a body is saved, as a path relative to it: the flat
// default name, the URL's host/path tree (--layout path), or a request's own `out`.
#include "output/body_path.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "output/body_file.hpp"

namespace sluice::detail {
namespace {

// An extension kept through shortening and query hashing: ".csv", ".tar" (of ".tar.gz" only
// ".gz"), never one longer than this, which is a name's tail rather than a type.
constexpr std::size_t kMaxExtensionBytes = 16;

bool is_tree_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("._~+,=@%-").find(c) != std::string_view::npos;
}

std::string safe_segment(std::string_view raw) {
  std::string segment;
  segment.reserve(raw.size());
  for (const char c : raw) segment += is_tree_safe(c) ? c : '_';
  if (!segment.empty() && segment.front() == '.') segment.front() = '_';
  return segment;
}

// Where the extension of `leaf` begins (its last '.'), or npos when it has none worth keeping.
std::size_t extension_start(std::string_view leaf) {
  const auto dot = leaf.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || leaf.size() - dot > kMaxExtensionBytes) {
    return std::string_view::npos;
  }
  return dot;
}

}  // namespace

std::string fnv1a_hex(std::string_view text) {
  constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
  return hex.data();
}

std::string fit_segment(std::string segment) {
  if (segment.size() <= kMaxSegmentBytes) return segment;
  const auto dot = extension_start(segment);
  const std::string extension = dot == std::string::npos ? "" : segment.substr(dot);
  const std::string tail = '-' + fnv1a_hex(segment) + extension;
  segment.resize(kMaxSegmentBytes - tail.size());
  return segment + tail;
}

std::string tree_path(std::string_view url) {
  std::string_view rest = url;
  if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    rest.remove_prefix(scheme_end + 3);
  }
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string host(authority);
  std::transform(host.begin(), host.end(), host.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  // "host:port" as "host_port"; an IPv6 literal's brackets and colons go the same way.
  host = safe_segment(host);
  if (host.empty()) host = "_";

  if (const auto fragment = rest.find('#'); fragment != std::string_view::npos) {
    rest = rest.substr(0, fragment);
  }
  std::string_view query;
  if (const auto mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }

  // Dot segments resolve as RFC 3986 says, never above the host: what a server would see.
  std::vector<std::string> segments;
  bool directory = true;  // the path names a directory: it ends in '/', "." or ".."
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    directory = slash != std::string_view::npos || raw == "." || raw == ".." || raw.empty();
    if (raw == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!raw.empty() && raw != ".") {
      segments.push_back(fit_segment(safe_segment(raw)));
    }
  }
  std::string leaf;
  if (!directory && !segments.empty()) {
    leaf = std::move(segments.back());
    segments.pop_back();
  }
  std::string path = fit_segment(std::move(host));
  for (const auto& segment : segments) path += '/' + segment;
  if (leaf.empty()) leaf = "index.html";
  if (!query.empty()) {
    const auto dot = extension_start(leaf);
    const std::string hashed = '-' + fnv1a_hex(query);
    if (dot == std::string::npos) {
      leaf += hashed;
    } else {
      leaf.insert(dot, hashed);
    }
  }
  return path + '/' + fit_segment(std::move(leaf));
}

std::expected<std::string, std::string> checked_out_path(std::string_view out) {
  if (out.empty()) return std::unexpected("is empty");
  if (out.front() == '/') return std::unexpected("is absolute, not relative to the directory");
  if (std::any_of(out.begin(), out.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return std::unexpected("holds a control byte");
  }
  std::string path;
  while (!out.empty()) {
    const auto slash = out.find('/');
    const std::string_view segment = out.substr(0, slash);
    out = slash == std::string_view::npos ? std::string_view() : out.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return std::unexpected("has a '..' segment");
    if (!path.empty()) path += '/';
    path += fit_segment(std::string(segment));
  }
  if (path.empty()) return std::unexpected("names no file");
  return path;
}

std::expected<std::string, std::string> body_path(std::string_view url, std::string_view out,
                                                  OutputLayout layout) {
  if (!out.empty()) {
    auto checked = checked_out_path(out);
    if (!checked) return std::unexpected("out '" + std::string(out) + "' " + checked.error());
    return checked;
  }
  return layout == OutputLayout::Path ? tree_path(url) : body_file_name(url);
}

}  // namespace sluice::detail
