// A tolerant reader of the rate limit fields: just enough structured-field syntax (RFC 8941
// lists, dictionaries and parameters) for the IETF drafts, plus the X-RateLimit-* fields.
#include "limit/rate_limit_headers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace sluice::detail {
namespace {

// A reset further away than this comes from a broken header (or a server whose clock is
// years off), not from a quota anyone means us to wait out.
constexpr double kMaxResetSeconds = 366.0 * 24 * 3600;
// X-RateLimit-Reset above this is a Unix time (2001-09-09 on), not a delay: no server
// announces a 30-year window.
constexpr double kEpochThreshold = 1e9;

std::string_view trim_blanks(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Splits at `separator` outside double-quoted strings, which may contain escaped quotes.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == separator) {
      parts.push_back(trim_blanks(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim_blanks(text.substr(start)));
  return parts;
}

// Policy names are only compared with each other, so the quotes go and escapes may stay.
std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

struct Param {
  std::string_view key;
  std::string_view value;
};

// One member of a list or dictionary, in any of the drafts' shapes:
//   `"default";r=50;t=30`  name "default", parameters r and t (a list item);
//   `remaining=50`         name "remaining", value "50" (a dictionary member);
//   `100;w=60`             name "100", parameter w (an old-style policy).
struct Member {
  std::string_view name;
  std::optional<std::string_view> value;
  std::vector<Param> params;

  std::optional<std::string_view> param(std::string_view key) const {
    for (const Param& p : params) {
      if (p.key == key) return p.value;
    }
    return std::nullopt;
  }
};

std::vector<Member> parse_members(std::string_view field) {
  std::vector<Member> members;
  for (const std::string_view text : split(field, ',')) {
    if (text.empty()) continue;
    const std::vector<std::string_view> parts = split(text, ';');
    Member member;
    const std::string_view head = parts.front();
    // A dictionary key is a token; a quoted head is an item, whatever it contains.
    const std::size_t equals = head.starts_with('"') ? std::string_view::npos : head.find('=');
    if (equals != std::string_view::npos) {
      member.name = trim_blanks(head.substr(0, equals));
      member.value = unquote(trim_blanks(head.substr(equals + 1)));
    } else {
      member.name = unquote(head);
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::size_t param_equals = parts[i].find('=');
      if (param_equals == std::string_view::npos) continue;  // a flag; none matter here
      member.params.push_back({trim_blanks(parts[i].substr(0, param_equals)),
                               unquote(trim_blanks(parts[i].substr(param_equals + 1)))});
    }
    members.push_back(std::move(member));
  }
  return members;
}

std::optional<std::uint64_t> parse_count(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto end = text->data() + text->size();
  const auto parsed = std::from_chars(text->data(), end, value);
  if (parsed.ec != std::errc{} || parsed.ptr != end) return std::nullopt;
  return value;
}

// "<digits>[.<digits>]": whole seconds in the IETF fields, fractions in some X- ones.
std::optional<double> parse_seconds(std::optional<std::string_view> text) {
  if (!text || text->empty() || text->front() < '0' || text->front() > '9') return std::nullopt;
  double value = 0;
  const auto end = text->data() + text->size();
  const auto parsed = std::from_chars(text->data(), end, value, std::chars_format::fixed);
  if (parsed.ec != std::errc{} || parsed.ptr != end) return std::nullopt;
  return value;
}

std::optional<RateLimitInfo> make_info(std::optional<std::uint64_t> remaining,
                                       std::optional<double> reset_seconds) {
  if (!remaining || !reset_seconds) return std::nullopt;
  if (!(*reset_seconds > 0) || *reset_seconds > kMaxResetSeconds) return std::nullopt;
  // Rounding up: waiting a little long never earns a 429, leaving early can.
  const auto reset_ms =
      static_cast<std::chrono::milliseconds::rep>(std::ceil(*reset_seconds * 1000));
  return RateLimitInfo{.remaining = *remaining, .reset = std::chrono::milliseconds(reset_ms)};
}

// Keeps in `best` whichever allows fewer requests per second.
void keep_most_restrictive(std::optional<RateLimitInfo>& best,
                           std::optional<RateLimitInfo> candidate) {
  if (!candidate) return;
  // remaining/reset compared by cross-multiplying; doubles, as the products overflow 64 bits.
  if (!best ||
      static_cast<double>(candidate->remaining) * static_cast<double>(best->reset.count()) <
          static_cast<double>(best->remaining) * static_cast<double>(candidate->reset.count())) {
    best = candidate;
  }
}

struct Policy {
  std::string_view name;
  std::optional<std::uint64_t> quota;
  std::optional<double> window;
};

std::vector<Policy> parse_policies(std::string_view field) {
  std::vector<Policy> policies;
  for (const Member& member : parse_members(field)) {
    Policy policy{.name = member.name, .quota = {}, .window = parse_seconds(member.param("w"))};
    // q in the latest drafts, l for a while before; older drafts made the item the quota.
    policy.quota = parse_count(member.param("q"));
    if (!policy.quota) policy.quota = parse_count(member.param("l"));
    if (!policy.quota) policy.quota = parse_count(member.name);
    policies.push_back(policy);
  }
  return policies;
}

std::optional<double> window_of(const std::vector<Policy>& policies, std::string_view name) {
  for (const Policy& policy : policies) {
    if (policy.name == name && policy.window) return policy.window;
  }
  return std::nullopt;
}

std::optional<double> longest_window(const std::vector<Policy>& policies) {
  std::optional<double> longest;
  for (const Policy& policy : policies) {
    if (policy.window && (!longest || *policy.window > *longest)) longest = policy.window;
  }
  return longest;
}

std::optional<RateLimitInfo> from_ratelimit_field(std::string_view field,
                                                  const std::vector<Policy>& policies) {
  const std::vector<Member> members = parse_members(field);
  const bool dictionary = std::any_of(members.begin(), members.end(),
                                      [](const Member& m) { return m.value.has_value(); });
  if (dictionary) {
    std::optional<std::uint64_t> remaining;
    std::optional<double> reset;
    for (const Member& member : members) {
      if (member.name == "remaining") remaining = parse_count(member.value);
      if (member.name == "reset") reset = parse_seconds(member.value);
    }
    return make_info(remaining, reset ? reset : longest_window(policies));
  }
  std::optional<RateLimitInfo> best;
  for (const Member& item : members) {
    auto reset = parse_seconds(item.param("t"));
    if (!reset) reset = window_of(policies, item.name);
    keep_most_restrictive(best, make_info(parse_count(item.param("r")), reset));
  }
  return best;
}

// The first member of a field that may carry a list, as the early drafts allowed. The view
// points into `field`, hence no temporaries.
std::optional<std::string_view> first_member(const std::optional<std::string>&& field) = delete;
std::optional<std::string_view> first_member(const std::optional<std::string>& field) {
  if (!field) return std::nullopt;
  const std::vector<Member> members = parse_members(*field);
  if (members.empty()) return std::nullopt;
  return members.front().name;
}

}  // namespace

std::optional<RateLimitInfo> parse_rate_limit_headers(
    const HeaderLookup& header, std::chrono::system_clock::time_point wall_now) {
  const std::optional<std::string> policy_field = header("RateLimit-Policy");
  const std::vector<Policy> policies =
      policy_field ? parse_policies(*policy_field) : std::vector<Policy>{};

  if (const auto field = header("RateLimit")) {
    if (auto info = from_ratelimit_field(*field, policies)) return info;
  }

  if (const auto remaining = header("RateLimit-Remaining")) {
    const auto reset_field = header("RateLimit-Reset");
    auto reset = parse_seconds(first_member(reset_field));
    if (!reset) reset = longest_window(policies);
    if (auto info = make_info(parse_count(first_member(remaining)), reset)) return info;
  }

  if (const auto remaining = header("X-RateLimit-Remaining")) {
    const auto reset_field = header("X-RateLimit-Reset");
    auto reset = parse_seconds(first_member(reset_field));
    if (reset && *reset > kEpochThreshold) {
      *reset -= std::chrono::duration<double>(wall_now.time_since_epoch()).count();
    }
    if (!reset) reset = longest_window(policies);
    if (auto info = make_info(parse_count(first_member(remaining)), reset)) return info;
  }

  std::optional<RateLimitInfo> best;
  for (const Policy& policy : policies) {
    keep_most_restrictive(best, make_info(policy.quota, policy.window));
  }
  return best;
}

}  // namespace sluice::detail
