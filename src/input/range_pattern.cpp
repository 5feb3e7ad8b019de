// Brace and bracket patterns: parsed once into a small tree, then expanded by index.
#include "input/range_pattern.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::detail {

// first, first ± step, ... : `count` numbers (zero-padded to `width`) or letters.
struct PatternRange {
  std::uint64_t first = 0;
  std::uint64_t step = 1;
  std::uint64_t count = 1;  // saturated at UINT64_MAX
  bool descending = false;
  bool letters = false;
  std::size_t width = 0;
};

// {a,b,c}: the expansions of each item, one item after the other.
struct PatternList {
  std::vector<PatternSequence> items;
};

using PatternNode = std::variant<std::string, PatternRange, PatternList>;

// Node i contributes digit (k / strides[i]) % sizes[i] of expansion index k.
struct PatternSequence {
  std::vector<PatternNode> nodes;
  std::vector<std::uint64_t> sizes;
  std::vector<std::uint64_t> strides;
  std::uint64_t size = 1;  // saturated at UINT64_MAX
};

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
// Real patterns nest two or three deep; the bound keeps hostile input from exhausting the
// stack, since both parsing and expansion recurse once per level.
constexpr std::size_t kMaxNesting = 64;
constexpr std::string_view kEscapable = "{},[]\\";

// Saturating arithmetic keeps every size an upper bound of the true count, which is what
// the --max-expansion check needs, and keeps at(k) exact for every k < size().
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > kMax - b ? kMax : a + b;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > kMax / b ? kMax : a * b;
}

std::uint64_t node_size(const PatternNode& node) {
  if (const auto* range = std::get_if<PatternRange>(&node)) return range->count;
  if (const auto* list = std::get_if<PatternList>(&node)) {
    std::uint64_t total = 0;
    for (const auto& item : list->items) total = saturating_add(total, item.size);
    return total;
  }
  return 1;
}

void finish(PatternSequence& sequence) {
  const std::size_t n = sequence.nodes.size();
  sequence.sizes.resize(n);
  sequence.strides.resize(n);
  std::uint64_t stride = 1;
  for (std::size_t i = n; i-- > 0;) {
    sequence.sizes[i] = node_size(sequence.nodes[i]);
    sequence.strides[i] = stride;
    stride = saturating_mul(stride, sequence.sizes[i]);
  }
  sequence.size = stride;
}

void append_literal(PatternSequence& sequence, std::string_view text) {
  if (!sequence.nodes.empty()) {
    if (auto* literal = std::get_if<std::string>(&sequence.nodes.back())) {
      literal->append(text);
      return;
    }
  }
  sequence.nodes.emplace_back(std::string(text));
}

bool is_number(std::string_view token) {
  if (token.starts_with('-')) token.remove_prefix(1);
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_letter(std::string_view token) {
  return token.size() == 1 && (is_lower(token[0]) || is_upper(token[0]));
}

// Padding applies when an endpoint is written with a leading zero, as in bash: {001..120}.
bool zero_padded(std::string_view number) { return number.size() > 1 && number[0] == '0'; }

using RangeResult = std::expected<std::optional<PatternRange>, std::string>;

std::string range_error(std::size_t column, std::string_view reason) {
  std::string message = "invalid range at column ";
  message.append(std::to_string(column)).append(": ").append(reason);
  return message;
}

std::expected<std::uint64_t, std::string> range_number(std::string_view token, std::size_t column) {
  std::uint64_t value = 0;
  const auto result = std::from_chars(token.data(), token.data() + token.size(), value);
  if (result.ec != std::errc{}) {
    return std::unexpected(range_error(column, std::string(token) + " is too large"));
  }
  return value;
}

// Builds the range from shape-checked tokens: two numbers or two letters; `step` may be empty.
RangeResult make_range(std::string_view first, std::string_view last, std::string_view step,
                       std::size_t column) {
  if (first.starts_with('-') || last.starts_with('-') || step.starts_with('-')) {
    return std::unexpected(range_error(column, "negative numbers are not supported"));
  }
  PatternRange range;
  std::uint64_t to = 0;
  if (is_letter(first)) {
    if (is_lower(first[0]) != is_lower(last[0])) {
      return std::unexpected(range_error(column, "letters of different case"));
    }
    range.letters = true;
    range.first = static_cast<unsigned char>(first[0]);
    to = static_cast<unsigned char>(last[0]);
  } else {
    const auto from_number = range_number(first, column);
    if (!from_number) return std::unexpected(from_number.error());
    const auto to_number = range_number(last, column);
    if (!to_number) return std::unexpected(to_number.error());
    range.first = *from_number;
    to = *to_number;
    if (zero_padded(first) || zero_padded(last)) range.width = std::max(first.size(), last.size());
  }
  if (!step.empty()) {
    const auto step_number = range_number(step, column);
    if (!step_number) return std::unexpected(step_number.error());
    if (*step_number == 0) return std::unexpected(range_error(column, "step must be at least 1"));
    range.step = *step_number;
  }
  range.descending = to < range.first;
  const std::uint64_t span = range.descending ? range.first - to : to - range.first;
  range.count = saturating_add(span / range.step, 1);
  return range;
}

// {A..B} or {A..B..STEP}: nullopt when `content` has another shape, so the braces stay literal.
RangeResult brace_range(std::string_view content, std::size_t column) {
  const std::size_t dots = content.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  const std::string_view first = content.substr(0, dots);
  std::string_view last = content.substr(dots + 2);
  std::string_view step;
  if (const std::size_t more = last.find(".."); more != std::string_view::npos) {
    step = last.substr(more + 2);
    last = last.substr(0, more);
    if (!is_number(step)) return std::nullopt;
  }
  const bool letters = is_letter(first) && is_letter(last);
  if (!letters && !(is_number(first) && is_number(last))) return std::nullopt;
  return make_range(first, last, step, column);
}

// curl's [A-B] or [A-B:STEP], unsigned only: nullopt for any other content, such as the
// IPv6 address in http://[::1]/.
RangeResult bracket_range(std::string_view content, std::size_t column) {
  const std::size_t dash = content.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view first = content.substr(0, dash);
  std::string_view last = content.substr(dash + 1);
  std::string_view step;
  if (const std::size_t colon = last.find(':'); colon != std::string_view::npos) {
    step = last.substr(colon + 1);
    last = last.substr(0, colon);
    if (step.starts_with('-') || !is_number(step)) return std::nullopt;
  }
  const bool unsigned_numbers =
      is_number(first) && is_number(last) && !first.starts_with('-') && !last.starts_with('-');
  if (!unsigned_numbers && !(is_letter(first) && is_letter(last))) return std::nullopt;
  return make_range(first, last, step, column);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::expected<PatternSequence, std::string> run() {
    if (auto matched = match_braces(); !matched) return std::unexpected(matched.error());
    PatternSequence sequence;
    if (auto parsed = parse_into(0, text_.size(), sequence); !parsed) {
      return std::unexpected(parsed.error());
    }
    finish(sequence);
    return sequence;
  }

 private:
  bool escaped_at(std::size_t i) const {
    return text_[i] == '\\' && i + 1 < text_.size() &&
           kEscapable.find(text_[i + 1]) != std::string_view::npos;
  }

  // Pairs every unescaped brace up front, so the parser never searches for a closing one.
  std::expected<void, std::string> match_braces() {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (escaped_at(i)) {
        ++i;
      } else if (text_[i] == '{') {
        if (open.size() == kMaxNesting) {
          return std::unexpected("braces nested more than " + std::to_string(kMaxNesting) +
                                 " deep at column " + std::to_string(i + 1));
        }
        open.push_back(i);
      } else if (text_[i] == '}') {
        if (open.empty()) {
          return std::unexpected("unmatched '}' at column " + std::to_string(i + 1));
        }
        groups_.emplace_back(open.back(), i);
        open.pop_back();
      }
    }
    if (!open.empty()) {
      return std::unexpected("unmatched '{' at column " + std::to_string(open.front() + 1));
    }
    std::sort(groups_.begin(), groups_.end());
    return {};
  }

  std::size_t closing(std::size_t open) const {
    const auto group =
        std::lower_bound(groups_.begin(), groups_.end(), std::pair{open, std::size_t{0}});
    return group->second;
  }

  std::vector<std::size_t> top_level_commas(std::size_t begin, std::size_t end) const {
    std::vector<std::size_t> commas;
    for (std::size_t i = begin; i < end; ++i) {
      if (escaped_at(i)) {
        ++i;
      } else if (text_[i] == '{') {
        i = closing(i);
      } else if (text_[i] == ',') {
        commas.push_back(i);
      }
    }
    return commas;
  }

  std::expected<void, std::string> parse_brace(std::size_t open, PatternSequence& sequence) {
    const std::size_t close = closing(open);
    const std::vector<std::size_t> commas = top_level_commas(open + 1, close);
    if (!commas.empty()) {
      PatternList list;
      std::size_t item_begin = open + 1;
      for (std::size_t i = 0; i <= commas.size(); ++i) {
        const std::size_t item_end = i < commas.size() ? commas[i] : close;
        PatternSequence item;
        if (auto parsed = parse_into(item_begin, item_end, item); !parsed) return parsed;
        finish(item);
        list.items.push_back(std::move(item));
        item_begin = item_end + 1;
      }
      sequence.nodes.emplace_back(std::move(list));
      return {};
    }
    auto range = brace_range(text_.substr(open + 1, close - open - 1), open + 1);
    if (!range) return std::unexpected(std::move(range.error()));
    if (*range) {
      sequence.nodes.emplace_back(**range);
      return {};
    }
    append_literal(sequence, "{");
    if (auto parsed = parse_into(open + 1, close, sequence); !parsed) return parsed;
    append_literal(sequence, "}");
    return {};
  }

  // Returns the index just past the group, or `open` + 1 when the '[' is a literal.
  std::expected<std::size_t, std::string> parse_bracket(std::size_t open, std::size_t end,
                                                        PatternSequence& sequence) {
    // A range holds no '[', so the search for its ']' may stop at the next '[' (and at `end`);
    // searching on would make a run of '[' cost time quadratic in its length.
    const std::size_t close = text_.substr(0, end).find_first_of("[]", open + 1);
    if (close != std::string_view::npos && text_[close] == ']') {
      auto range = bracket_range(text_.substr(open + 1, close - open - 1), open + 1);
      if (!range) return std::unexpected(std::move(range.error()));
      if (*range) {
        sequence.nodes.emplace_back(**range);
        return close + 1;
      }
    }
    append_literal(sequence, "[");
    return open + 1;
  }

  std::expected<void, std::string> parse_into(std::size_t begin, std::size_t end,
                                              PatternSequence& sequence) {
    std::size_t i = begin;
    while (i < end) {
      if (escaped_at(i)) {
        append_literal(sequence, text_.substr(i + 1, 1));
        i += 2;
      } else if (text_[i] == '{') {
        if (auto parsed = parse_brace(i, sequence); !parsed) return parsed;
        i = closing(i) + 1;
      } else if (text_[i] == '[') {
        auto next = parse_bracket(i, end, sequence);
        if (!next) return std::unexpected(std::move(next.error()));
        i = *next;
      } else {
        // Bounded by `end`, or each item of a long list would rescan the text after the list.
        const std::size_t plain = std::min(end, text_.substr(0, end).find_first_of("\\{[", i + 1));
        append_literal(sequence, text_.substr(i, plain - i));
        i = plain;
      }
    }
    return {};
  }

  std::string_view text_;
  std::vector<std::pair<std::size_t, std::size_t>> groups_;  // (open, close), sorted
};

void append_expansion(const PatternSequence& sequence, std::uint64_t k, std::string& out);

void append_range_value(const PatternRange& range, std::uint64_t digit, std::string& out) {
  const std::uint64_t offset = digit * range.step;
  const std::uint64_t value = range.descending ? range.first - offset : range.first + offset;
  if (range.letters) {
    out.push_back(static_cast<char>(value));
    return;
  }
  char buffer[std::numeric_limits<std::uint64_t>::digits10 + 1];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const auto length = static_cast<std::size_t>(result.ptr - buffer);
  if (range.width > length) out.append(range.width - length, '0');
  out.append(buffer, length);
}

void append_node(const PatternNode& node, std::uint64_t digit, std::string& out) {
  if (const auto* literal = std::get_if<std::string>(&node)) {
    out.append(*literal);
  } else if (const auto* range = std::get_if<PatternRange>(&node)) {
    append_range_value(*range, digit, out);
  } else {
    for (const auto& item : std::get<PatternList>(node).items) {
      if (digit < item.size) {
        append_expansion(item, digit, out);
        return;
      }
      digit -= item.size;
    }
  }
}

void append_expansion(const PatternSequence& sequence, std::uint64_t k, std::string& out) {
  for (std::size_t i = 0; i < sequence.nodes.size(); ++i) {
    append_node(sequence.nodes[i], (k / sequence.strides[i]) % sequence.sizes[i], out);
  }
}

}  // namespace

RangePattern::RangePattern(std::shared_ptr<const PatternSequence> root) : root_(std::move(root)) {}

std::expected<RangePattern, std::string> RangePattern::parse(std::string_view text) {
  auto sequence = Parser(text).run();
  if (!sequence) return std::unexpected(std::move(sequence.error()));
  return RangePattern(std::make_shared<const PatternSequence>(std::move(*sequence)));
}

bool RangePattern::may_expand(std::string_view text) noexcept {
  // One pass with a comparison per byte: find_first_of would search the set for each byte,
  // and every input line comes through here.
  return std::ranges::any_of(text,
                             [](char c) { return c == '{' || c == '}' || c == '[' || c == '\\'; });
}

std::uint64_t RangePattern::size() const noexcept { return root_->size; }

std::string RangePattern::at(std::uint64_t k) const {
  std::string out;
  append_expansion(*root_, k, out);
  return out;
}

}  // namespace sluice::detail
