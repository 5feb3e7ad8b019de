// How the library's output text names an option: by its Options field, unless the caller
// (the CLI, which knows the flags) names it otherwise.
#pragma once

#include <string_view>

namespace sluice::detail {

// Maps an Options field ("resume_from") to the name its reader knows ("--resume"); the
// result must outlive the call (a string literal, or `option` itself).
using OptionNamer = std::string_view (*)(std::string_view option);

// The field's own name: what library text says when no caller names it otherwise.
inline std::string_view options_field(std::string_view option) { return option; }

}  // namespace sluice::detail
