// What every binding file shares: the array conversions, nanobind's names, and `released`,
// which runs a kernel with the GIL released (the arrays it reads are kept alive by the call's
// arguments, so other Python threads may run meanwhile).
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <utility>

#include "arrays.hpp"

namespace tinyaccel::python {

using namespace nb::literals;

template <typename F>
auto released(F&& f) {
  nb::gil_scoped_release unlocked;
  return std::forward<F>(f)();
}

void bind_ops(nb::module_& m);
void bind_system(nb::module_& m);
void bind_perf(nb::module_& m);
void bind_nn(nb::module_& m);
void bind_measure(nb::module_& m);

}  // namespace tinyaccel::python
