// The `sluice._sluice` extension: a run of the library as a Python object that yields record
// dicts. The iterator protocol, Ctrl-C and asyncio live in python/sluice/__init__.py.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "background_run.hpp"
#include "python_options.hpp"
#include "record_dict.hpp"
#include "sluice/errors.hpp"

namespace py = pybind11;
using sluice::python::BackgroundRun;

namespace {

// Waits are cut into slices this long so that Ctrl-C is seen while no record comes.
constexpr std::chrono::milliseconds kSignalCheck{100};

std::unique_ptr<BackgroundRun> make_run(const std::vector<std::string>& sources,
                                        const py::dict& options, bool literal,
                                        std::size_t queue_capacity) {
  sluice::Options parsed = sluice::python::options_from_kwargs(options);
  parsed.literal_sources = literal;
  if (queue_capacity == 0) throw py::value_error("queue_capacity: must be at least 1");
  return std::make_unique<BackgroundRun>(std::move(parsed), sources, queue_capacity);
}

// The run is over: its thread is joined (its error raised) and None returned.
py::object finish(BackgroundRun& run) {
  {
    const py::gil_scoped_release unlocked;
    run.join();
  }
  return py::none();
}

// The next record, waiting without the GIL; None once every record has been returned. Python's
// signal handlers run every kSignalCheck, and an exception they raise (KeyboardInterrupt)
// leaves through here with the run untouched.
py::object next_record(BackgroundRun& run) {
  run.start();
  for (;;) {
    auto popped = run.queue().try_pop();
    if (!popped.record && !popped.finished) {
      const py::gil_scoped_release unlocked;
      popped = run.queue().pop_for(kSignalCheck);
    }
    if (popped.record) return sluice::python::record_dict(*popped.record);
    if (popped.finished) return finish(run);
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

// A record if one is ready, None if not yet; StopIteration once every record was returned.
py::object poll_record(BackgroundRun& run) {
  run.start();
  auto popped = run.queue().try_pop();
  if (popped.record) return sluice::python::record_dict(*popped.record);
  if (popped.finished) {
    finish(run);
    throw py::stop_iteration();
  }
  return py::none();
}

void clear_wake(BackgroundRun& run) {
  std::uint64_t count = 0;
  // Non-blocking: EAGAIN only says there was nothing to clear.
  [[maybe_unused]] const auto got = ::read(run.wake_fd(), &count, sizeof count);
}

}  // namespace

PYBIND11_MODULE(_sluice, module) {
  module.doc() = "The sluice C++ library under sluice.fetch() and sluice.afetch().";
  py::register_exception<sluice::UsageError>(module, "UsageError", PyExc_ValueError);

  py::class_<BackgroundRun>(module, "Run")
      .def(py::init(&make_run), py::arg("sources"), py::arg("options"), py::arg("literal"),
           py::arg("queue_capacity") = 1024)
      .def("next_record", &next_record)
      .def("poll_record", &poll_record)
      .def("clear_wake", &clear_wake)
      .def("stop", &BackgroundRun::stop, py::call_guard<py::gil_scoped_release>())
      .def("abort", &BackgroundRun::abort, py::call_guard<py::gil_scoped_release>())
      .def("close", &BackgroundRun::close, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("wake_fd", &BackgroundRun::wake_fd)
      .def_property_readonly("urls_read",
                             [](const BackgroundRun& run) {
                               return run.live().urls_read.load(std::memory_order_relaxed);
                             })
      .def_property_readonly("in_flight",
                             [](const BackgroundRun& run) {
                               return run.live().in_flight.load(std::memory_order_relaxed);
                             })
      .def_property_readonly("report", [](const BackgroundRun& run) -> py::object {
        if (!run.report()) return py::none();
        return sluice::python::report_dict(*run.report());
      });
}
