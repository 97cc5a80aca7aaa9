// The measurements the CLI runs, as the library returns them: each result crosses as its JSON
// writer's text (the Python layer parses it), so Python and the CLI report the same numbers.
#include <iostream>

#include <tinyaccel/bench.hpp>
#include <tinyaccel/nn.hpp>
#include <tinyaccel/report.hpp>
#include <tinyaccel/roofline.hpp>

#include "common.hpp"

namespace tinyaccel::python {
namespace {

ProgressFn progress_to_stderr(bool verbose) {
  if (!verbose) return nullptr;
  return [](const std::string& line) { std::cerr << line << "\n"; };
}

}  // namespace

void bind_measure(nb::module_& m) {
  m.def("compare_matmul_backends", [](const std::vector<int64_t>& sizes,
                                      const std::vector<std::string>& shapes,
                                      const std::vector<std::string>& backends,
                                      const std::string& dtype, int threads, int repeats,
                                      bool quick, std::optional<double> naive_max_gflop,
                                      const std::string& torch, bool verbose) {
    MatmulBenchOptions o;
    o.sizes = sizes;
    for (const std::string& s : shapes) {
      for (const MatmulShape& shape : parse_matmul_shapes(s)) o.shapes.push_back(shape);
    }
    o.backends.clear();
    for (const std::string& b : backends) o.backends.push_back(parse_backend(b));
    o.dtype = nn::parse_precision(dtype);
    o.threads = threads;
    o.repeats = repeats;
    o.quick = quick;
    o.naive_max_gflop = naive_max_gflop;
    o.torch = torch;
    o.progress = progress_to_stderr(verbose);
    return released([&] { return matmul_bench_json(compare_matmul_backends(o)); });
  }, "sizes"_a, "shapes"_a, "backends"_a, "dtype"_a, "threads"_a, "repeats"_a, "quick"_a,
     "naive_max_gflop"_a.none(), "torch"_a, "verbose"_a);

  m.def("compare_fusion", [](const std::vector<std::string>& sizes,
                             const std::vector<std::string>& ops, const std::string& dtype,
                             int threads, bool quick, const std::string& torch, bool verbose) {
    FusionBenchOptions o;
    o.sizes = sizes;
    o.ops = ops;
    o.dtype = parse_dtype(dtype);
    o.threads = threads;
    o.quick = quick;
    o.torch = torch;
    o.progress = progress_to_stderr(verbose);
    return released([&] { return fusion_bench_json(compare_fusion(o)); });
  }, "sizes"_a, "ops"_a, "dtype"_a, "threads"_a, "quick"_a, "torch"_a, "verbose"_a);

  // The profiler's quick roofs (FMA peak at the active ISA, a copy-bandwidth sweep), as a
  // roofline run with nothing placed.
  m.def("measure_roofs", [](const std::string& dtype, bool verbose) {
    RooflineReport r;
    const DType d = parse_dtype(dtype);
    r.roofs = released([&] { return measure_roofs(d, progress_to_stderr(verbose)); });
    return r;
  }, "dtype"_a = "float32", "verbose"_a = false);

  m.def("run_report", [](const std::string& out_dir, bool quick, int threads,
                         const std::vector<std::string>& sections, bool plots,
                         const std::vector<std::string>& precisions, bool verbose) {
    ReportOptions o = default_report_options(quick);
    o.out_dir = out_dir;
    o.threads = threads;
    o.sections = sections;
    o.plots = plots;
    for (const std::string& p : precisions) o.precisions.push_back(nn::parse_precision(p));
    o.progress = progress_to_stderr(verbose);
    return released([&] { return report_json(run_report(o)); });
  }, "out_dir"_a, "quick"_a, "threads"_a, "sections"_a, "plots"_a, "precisions"_a, "verbose"_a);
}

}  // namespace tinyaccel::python
