// Where under the output directory a body is saved, as a path relative to it: the flat
// default name, the URL's host/path tree (--layout path), or a request's own `out`.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "sluice/options.hpp"

namespace sluice::detail {

// The longest file name a segment may have: NAME_MAX of Linux file systems (ext4, xfs, tmpfs).
inline constexpr std::size_t kMaxSegmentBytes = 255;

// 16 lowercase hex digits of the 64-bit FNV-1a of `text`: short, stable across runs and builds.
std::string fnv1a_hex(std::string_view text);

// `segment` itself when it is at most kMaxSegmentBytes long; else its first bytes, '-', the
// fnv1a_hex of the whole segment and its extension (when short), kMaxSegmentBytes in all.
std::string fit_segment(std::string segment);

// "host[_port]/path/segments/leaf" of `url`, for a mirror: the userinfo dropped, the host
// lower-cased; "." and ".." resolved (never above the host), empty segments dropped; every
// segment's bytes outside [A-Za-z0-9._~+,=@%-] made '_', a leading '.' made '_' (no hidden
// files); a path that ends in '/' (or none) gets "index.html"; a query gets "-<fnv1a_hex(query)>"
// before the leaf's extension; a fragment is dropped. Never absolute, never outside the directory.
std::string tree_path(std::string_view url);

// A request's own `out` made safe: '/'-separated segments, each fitted (fit_segment), "."
// and empty segments dropped. The error says why it is refused: empty, absolute, a ".."
// segment, or a NUL or control byte.
std::expected<std::string, std::string> checked_out_path(std::string_view out);

// Where the body of `url` goes: a request's own `out` (checked_out_path) when not empty, else
// the run's layout (body_file_name or tree_path). The error names `out` and says what is wrong.
std::expected<std::string, std::string> body_path(std::string_view url, std::string_view out,
                                                  OutputLayout layout);

}  // namespace sluice::detail
