// Measurement: the roofline run and placement on it, and timing statistics.
#include <iostream>

#include <tinyaccel/profiler.hpp>
#include <tinyaccel/roofline.hpp>
#include <tinyaccel/timing.hpp>

#include "common.hpp"

namespace tinyaccel::python {
namespace {

nb::dict timing_dict(const Timing& t) {
  nb::dict d;
  d["median_s"] = t.median_s;
  d["mean_s"] = t.mean_s;
  d["min_s"] = t.min_s;
  d["max_s"] = t.max_s;
  d["p95_s"] = t.p95_s;
  d["stddev_s"] = t.stddev_s;
  d["cv"] = t.cv;
  d["samples"] = t.samples;
  d["noisy"] = t.noisy();
  return d;
}

nb::dict placement_dict(const Placement& p) {
  nb::dict d;
  d["name"] = p.point.name;
  d["flops"] = p.point.cost.flops;
  d["bytes"] = p.point.cost.bytes;
  d["working_set_bytes"] = p.point.working_set_bytes;
  d["seconds"] = p.point.seconds;
  d["intensity"] = p.intensity;
  d["gflops"] = p.gflops;
  d["gbs"] = p.gbs;
  d["level"] = p.level;
  d["size_level"] = p.size_level;
  d["placed_by_rate"] = p.placed_by_rate;
  d["level_reason"] = p.level_reason;
  d["level_gbs"] = p.level_gbs;
  d["peak_gflops"] = p.peak_gflops;
  d["attainable_gflops"] = p.attainable_gflops;
  d["predicted_s"] = p.predicted_s;
  d["efficiency"] = p.efficiency;
  d["bound"] = bound_name(p.bound);
  d["flag"] = p.flagged() ? nb::object(nb::str(p.flag.c_str())) : nb::none();
  return d;
}

}  // namespace

void bind_perf(nb::module_& m) {
  nb::class_<RooflineReport>(m, "RooflineReport")
      .def_static("from_json", &roofline_from_json, "text"_a)
      .def("to_json", &roofline_json)
      .def("text", &roofline_text)
      .def("csv", &roofline_csv)
      .def("plot", [](const RooflineReport& r, const std::string& path) {
        released([&] { write_roofline_plot(r, path); });
      }, "path"_a)
      .def("place", [](const RooflineReport& r, const std::string& name, int64_t flops,
                       int64_t bytes, int64_t working_set_bytes, double seconds,
                       const std::string& dtype) {
        KernelPoint point;
        point.name = name;
        point.cost = OpCost{flops, bytes};
        point.working_set_bytes = working_set_bytes;
        point.seconds = seconds;
        point.dtype = parse_dtype(dtype);
        LayerProfile layer;
        layer.name = name;
        layer.placement = place(point, r.roofs);
        layer.bound = classify_bound(layer.placement);
        nb::dict d = placement_dict(layer.placement);
        d["bound"] = layer.bound;
        d["recommendation"] = recommend(layer);
        return d;
      }, "name"_a, "flops"_a, "bytes"_a, "working_set_bytes"_a, "seconds"_a, "dtype"_a)
      .def_prop_ro("threads", [](const RooflineReport& r) { return r.roofs.threads; });

  nb::class_<RooflineComparison>(m, "RooflineComparison")
      .def("to_json", &roofline_compare_json)
      .def("text", &roofline_compare_text)
      .def("plot", [](const RooflineComparison& c, const std::string& path) {
        released([&] { write_roofline_compare_plot(c, path); });
      }, "path"_a);
  m.def("compare_rooflines", &compare_rooflines, "before"_a, "after"_a);
  m.def("roofline_from_file", &roofline_from_file, "path"_a);

  m.def("run_roofline", [](bool quick, int threads, bool place_kernels, bool verbose) {
    RooflineOptions options;
    options.quick = quick;
    options.threads = threads;
    options.place_default_kernels = place_kernels;
    if (verbose) options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    return released([&] { return run_roofline(options); });
  }, "quick"_a = true, "threads"_a = 0, "place_kernels"_a = true, "verbose"_a = false);

  m.def("summarize", [](std::vector<double> seconds) {
    return timing_dict(summarize(std::move(seconds)));
  }, "seconds"_a);
}

}  // namespace tinyaccel::python
