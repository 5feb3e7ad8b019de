// What one request sends beyond its URL once the run's options and the request's own fields
// are put together: its method, body and headers, and how a redirect changes the method.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "input/input_item.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// The method `item` is sent with: the one a redirect switched it to, else the request's own,
// else Options::method, else POST with a body and GET without.
std::string effective_method(const InputItem& item, const Options& options);

// The body `item` is sent with, or null: the request's own, else Options::body; none once a
// redirect switched the method (see method_after_redirect). Points into `item` or `options`.
const std::string* effective_body(const InputItem& item, const Options& options);

// Whether a failed request of `method` may be sent again: GET, HEAD and OPTIONS only, unless
// Options::retry_all_methods.
bool may_retry(std::string_view method, const Options& options);

// The method the redirect hop after an answer of `status` to a `method` request uses, as
// libcurl follows by default: 303 turns every method but HEAD into GET, 301 and 302 turn
// POST into GET; anything else (307, 308) keeps the method and its body. nullopt: unchanged.
std::optional<std::string> method_after_redirect(std::string_view method, int status);

}  // namespace sluice::detail
