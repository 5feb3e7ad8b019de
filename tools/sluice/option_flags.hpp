// The library names its options (Options::concurrency, ...); the command line names flags.
// This maps the one to the other for the usage errors the CLI prints.
#pragma once

#include <string>
#include <string_view>

#include "sluice/errors.hpp"

namespace sluice::cli {

// The flag that sets the Options field `option` ("max_body" -> "--max-body"); `option`
// itself when no flag sets it.
std::string_view flag_for(std::string_view option);

// error.what(), with the option it begins with (UsageError::option) named by its flag.
std::string usage_message(const UsageError& error);

}  // namespace sluice::cli
