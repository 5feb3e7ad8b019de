// Text that quotes what the user chose (a file name, an option's value) on sluice's own lines
// of standard error.
#pragma once

#include <string>
#include <string_view>

namespace sluice::cli {

// `text` with its control characters escaped (\n, \r, \xHH), so that a newline in a file
// name cannot break one line of output into two, or a terminal escape redraw the screen.
std::string printable(std::string_view text);

}  // namespace sluice::cli
