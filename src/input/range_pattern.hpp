// Shell-brace ({a,b}, {1..9}) and curl-bracket ([1-9], [a-z]) patterns in input URLs,
// expanded on demand by index so a billion-URL range never becomes a list in memory.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::detail {

struct PatternSequence;

// One parsed pattern. Groups, left to right, form a mixed-radix number whose last digit
// varies fastest, as in the shell: {a,b}{1,2} gives a1 a2 b1 b2.
//   {1..200} {10..1} {1..100..5} {001..120} {a..e}   brace ranges (descending, step, padding)
//   {a,b,c} {a,b{1..3}} {a,}                          lists; items nest and may be empty
//   [1-200] [001-120] [a-z] [1-100:10]                curl's ranges
// A brace group with neither a top-level comma nor a range, such as {} or {abc}, stays
// literal like in bash; so does any [...] not shaped exactly like a range (http://[::1]/).
// A backslash makes the next { } , [ ] or \ literal.
// Thread-safety: immutable once parsed; const members may run on any thread. Copies are
// cheap and share the parsed form.
class RangePattern {
 public:
  // Errors name the 1-based column: "unmatched '{' at column 17".
  static std::expected<RangePattern, std::string> parse(std::string_view text);
  // False when `text` has no character that parse() treats specially, so the caller may
  // use it as the single expansion without parsing.
  static bool may_expand(std::string_view text) noexcept;

  // Number of expansions, saturating at UINT64_MAX.
  std::uint64_t size() const noexcept;
  // The k-th expansion; requires k < size().
  std::string at(std::uint64_t k) const;

 private:
  explicit RangePattern(std::shared_ptr<const PatternSequence> root);

  std::shared_ptr<const PatternSequence> root_;
};

}  // namespace sluice::detail
