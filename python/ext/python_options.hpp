// sluice::Options from the keyword arguments of sluice.fetch(): the library's fields under
// their own names, with Python's types (seconds as numbers, sizes as ints or "20M").
#pragma once

#include <pybind11/pybind11.h>

#include "sluice/options.hpp"

namespace sluice::python {

// Throws pybind11::type_error for an unknown keyword and pybind11::value_error naming the
// option for a bad value ("rate: ..."). The Options' own checks (ranges that depend on each
// other, the file budget) are left to the Fetcher.
Options options_from_kwargs(const pybind11::dict& kwargs);

}  // namespace sluice::python
