// tinyaccel._native: the library's kernels, measurements and modules for the Python package.
// The package's Python layer (python/tinyaccel) turns any array-like into what these take.
#include <tinyaccel/errors.hpp>

#include "common.hpp"

NB_MODULE(_native, m) {
  namespace nb = nanobind;
  using namespace tinyaccel;
  m.doc() = "tinyaccel's compiled core; use the tinyaccel package, not this module";
  // The library's errors as Python exceptions: subclasses of the standard ones, same words.
  nb::exception<ShapeError>(m, "ShapeError", PyExc_ValueError);
  nb::exception<DTypeError>(m, "DTypeError", PyExc_TypeError);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const AllocationError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });
  python::bind_ops(m);
  python::bind_system(m);
  python::bind_perf(m);
  python::bind_nn(m);
  python::bind_measure(m);
}
