// The machine and the knobs: threads, instruction set, memory accounting, system description.
#include <tinyaccel/memory.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>

#include "common.hpp"

namespace tinyaccel::python {

DType parse_dtype_name(const std::string& name) {
  if (name == "float32") return DType::f32;
  if (name == "float64") return DType::f64;
  throw DTypeError("unsupported dtype " + quote(name) + ": expected float32 or float64");
}

void bind_system(nb::module_& m) {
  m.def("set_num_threads", &set_num_threads, "n"_a);
  m.def("num_threads", &num_threads);
  m.def("system_info_json", [] { return system_info_json(system_info()); });
  m.def("active_isa", [] { return std::string(isa_name(active_isa())); });
  m.def("detected_isa", [] { return std::string(isa_name(detected_isa())); });
  m.def("force_isa", [](const std::string& name) { force_isa(parse_isa(name)); }, "isa"_a);
  m.def("reset_isa", &reset_isa);
  m.def("memory_stats", [] {
    const MemoryStats s = memory_stats();
    nb::dict d;
    d["current_bytes"] = s.current_bytes;
    d["peak_bytes"] = s.peak_bytes;
    d["allocations"] = s.allocations;
    d["cached_bytes"] = s.cached_bytes;
    return d;
  });
  m.def("reset_peak_memory", &reset_peak_memory);
  // For tests: the address the core reads `x` at (x's own buffer unless it had to be copied).
  m.def("borrowed_address", [](const Array& x) {
    return reinterpret_cast<uintptr_t>(borrow(x, "x").raw_data());
  }, "x"_a);
  m.def("set_buffer_cache_limit", &set_buffer_cache_limit, "bytes"_a);
  m.def("buffer_cache_limit", &buffer_cache_limit);
  m.def("release_cached_buffers", &release_cached_buffers);
}

}  // namespace tinyaccel::python
