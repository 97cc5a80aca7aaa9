// `tinyaccel bench matmul`: every matmul backend side by side on the same operands, in one run:
// median time after warm-up, GFLOP/s, % of the measured FMA peak, speedup over the naive loop
// and ratio to the BLAS library.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <tinyaccel/matmul.hpp>
#include <tinyaccel/roofline.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>
#include <tinyaccel/timing.hpp>

#include "command.hpp"
#include "table.hpp"

namespace {

using tinyaccel::Backend;
using tinyaccel::DType;

struct Options {
  std::vector<int64_t> sizes;
  std::vector<std::string> shapes;
  std::string dtype = "float32";
  int threads = 0;
  std::vector<std::string> backends = {"naive", "tiled", "packed", "blas"};
  int repeats = 5;
  bool quick = false;
  bool json = false;
  bool csv = false;
  double naive_max_gflop = 2.5;  // naive (and tiled) only up to this many GFLOP per call
};

struct Shape3 {
  int64_t m, k, n;
  std::string label() const { return fmt::format("{}x{}x{}", m, k, n); }
};

const std::vector<Shape3> kTransformerShapes = {{512, 768, 3072}, {1, 768, 768}, {128, 4096, 4096}};

Shape3 parse_shape(const std::string& text) {
  Shape3 s{};
  char x1 = 0, x2 = 0;
  size_t used = 0;
  try {
    s.m = std::stoll(text, &used);
    size_t pos = used;
    x1 = text.at(pos++);
    s.k = std::stoll(text.substr(pos), &used);
    pos += used;
    x2 = text.at(pos++);
    s.n = std::stoll(text.substr(pos), &used);
    pos += used;
    if (pos != text.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw tinyaccel::ValueError("bad --shapes entry '" + text +
                                "': expected MxKxN (e.g. 512x768x3072) or 'transformer'");
  }
  if (x1 != 'x' || x2 != 'x' || s.m < 1 || s.k < 1 || s.n < 1) {
    throw tinyaccel::ValueError("bad --shapes entry '" + text +
                                "': expected MxKxN with positive sizes (e.g. 512x768x3072)");
  }
  return s;
}

DType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "f32") return DType::f32;
  if (name == "float64" || name == "f64") return DType::f64;
  throw tinyaccel::ValueError("unknown --dtype '" + name + "': expected float32 or float64");
}

struct Result {
  Shape3 shape;
  Backend backend;
  tinyaccel::Timing timing;
  double gflops = 0;
  std::optional<double> vs_naive, vs_blas;
};

// Times one backend on one problem. Calls that take longer than a second get no separate
// warm-up beyond the first call and at most 3 samples, so the reference loop at large sizes
// stays within tens of seconds.
tinyaccel::Timing time_backend(const tinyaccel::Tensor& a, const tinyaccel::Tensor& b,
                               tinyaccel::Tensor& c, Backend backend, int repeats, bool quick) {
  tinyaccel::GemmOptions options;
  options.backend = backend;
  const auto call = [&] { tinyaccel::fused_gemm(a, b, c, options); };
  const auto start = std::chrono::steady_clock::now();
  call();  // warm-up: caches, page faults, packing buffers
  const double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tinyaccel::TimingOptions timing;
  timing.warmup = first > 0.05 ? 0 : 2;
  timing.min_samples = first > 1.0 ? std::min(repeats, 3) : repeats;
  timing.max_samples = first > 1.0 ? timing.min_samples : std::max(repeats, 200);
  timing.target_seconds = quick ? 0.1 : 0.3;
  return tinyaccel::measure_latency(call, timing);
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--sizes", opts->sizes,
                 "Square sizes N (M=K=N) to run (default 64 128 256 512 1024 2048)")
      ->check(CLI::PositiveNumber)
      ->delimiter(',');
  cmd.add_option("--shapes", opts->shapes,
                 "Rectangular problems MxKxN (A is MxK, B is KxN), or 'transformer' for "
                 "512x768x3072, 1x768x768 and 128x4096x4096")
      ->delimiter(',');
  cmd.add_option("--dtype", opts->dtype, "float32 or float64")->capture_default_str();
  cmd.add_option("--threads", opts->threads,
                 "Threads for every backend (default: TINYACCEL_NUM_THREADS, else all CPUs)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--backends", opts->backends, "Backends to compare (naive, tiled, packed, blas, auto)")
      ->delimiter(',')
      ->capture_default_str();
  cmd.add_option("--repeats", opts->repeats, "Minimum timed samples per backend and size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--naive-max-gflop", opts->naive_max_gflop,
                 "Run naive and tiled only where one call is at most this many GFLOP")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_flag("--quick", opts->quick,
               "A short run: sizes 64 256 512 1024 and 1x768x768, naive and tiled up to 256 (seconds)");
  cmd.add_flag("--json", opts->json, "Print JSON instead of the table");
  cmd.add_flag("--csv", opts->csv, "Print CSV instead of the table");
  cmd.footer(
      "Each backend multiplies the same random operands into a preallocated C (fused_gemm with\n"
      "a trivial epilogue), so allocation is not timed. Time is the median of the samples after\n"
      "warm-up; GFLOP/s counts 2·M·N·K; '% peak' is against the FMA peak measured at the start\n"
      "of the run for the active ISA, dtype and thread count; 'x naive' and 'x blas' are ratios\n"
      "of medians from this run (blank where that backend was not run: never extrapolated).\n"
      "Progress goes to stderr.\n\n"
      "Examples:\n"
      "  tinyaccel bench matmul --quick\n"
      "  tinyaccel bench matmul --sizes 512,1024,2048 --backends packed,blas --threads 2\n"
      "  tinyaccel bench matmul --shapes transformer --backends packed,blas,auto\n"
      "  tinyaccel bench matmul --dtype float64 --sizes 256,1024 --csv > f64.csv");
  return [opts] {
    const DType dtype = parse_dtype(opts->dtype);
    std::vector<Backend> backends;
    for (const std::string& name : opts->backends) backends.push_back(tinyaccel::parse_backend(name));
    std::vector<Shape3> problems;
    std::vector<int64_t> sizes = opts->sizes;
    std::vector<std::string> shapes = opts->shapes;
    if (opts->quick) {
      if (sizes.empty() && shapes.empty()) {
        sizes = {64, 256, 512, 1024};
        shapes = {"1x768x768"};
      }
      if (opts->naive_max_gflop == Options().naive_max_gflop) opts->naive_max_gflop = 0.04;
      opts->repeats = std::min(opts->repeats, 3);
    } else if (sizes.empty() && shapes.empty()) {
      sizes = {64, 128, 256, 512, 1024, 2048};
    }
    for (int64_t n : sizes) problems.push_back({n, n, n});
    for (const std::string& s : shapes) {
      if (s == "transformer") {
        problems.insert(problems.end(), kTransformerShapes.begin(), kTransformerShapes.end());
      } else {
        problems.push_back(parse_shape(s));
      }
    }
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    const int threads = tinyaccel::num_threads();
    const tinyaccel::Isa isa = tinyaccel::active_isa();

    std::cerr << fmt::format("measuring the {} FMA peak ({}, {} threads)...\n",
                             tinyaccel::isa_name(isa), tinyaccel::dtype_name(dtype), threads);
    const double peak = tinyaccel::measure_peak_gflops(isa, dtype, threads, 0.3);

    std::vector<Result> results;
    for (const Shape3& s : problems) {
      const tinyaccel::Tensor a = tinyaccel::randn({s.m, s.k}, 1, dtype);
      const tinyaccel::Tensor b = tinyaccel::randn({s.k, s.n}, 2, dtype);
      tinyaccel::Tensor c = tinyaccel::Tensor::empty({s.m, s.n}, dtype);
      const double gflop = 2.0 * s.m * s.n * s.k * 1e-9;
      std::map<Backend, double> medians;
      const size_t first = results.size();
      for (Backend backend : backends) {
        const bool slow = backend == Backend::naive || backend == Backend::tiled;
        if (slow && gflop > opts->naive_max_gflop) {
          std::cerr << fmt::format("  {} {}: skipped ({:.2f} GFLOP > --naive-max-gflop {})\n",
                                   s.label(), tinyaccel::backend_name(backend), gflop,
                                   opts->naive_max_gflop);
          continue;
        }
        std::cerr << fmt::format("  {} {}...", s.label(), tinyaccel::backend_name(backend))
                  << std::flush;
        Result r{s, backend, time_backend(a, b, c, backend, opts->repeats, opts->quick)};
        r.gflops = gflop / r.timing.median_s;
        medians[backend] = r.timing.median_s;
        std::cerr << fmt::format(" {:.3f} ms, {:.1f} GFLOP/s\n", r.timing.median_s * 1e3,
                                 r.gflops);
        results.push_back(r);
      }
      for (size_t i = first; i < results.size(); ++i) {
        Result& r = results[i];
        if (medians.count(Backend::naive)) r.vs_naive = medians[Backend::naive] / r.timing.median_s;
        if (medians.count(Backend::blas)) r.vs_blas = medians[Backend::blas] / r.timing.median_s;
      }
    }

    if (opts->json) {
      nlohmann::json doc;
      doc["dtype"] = tinyaccel::dtype_name(dtype);
      doc["threads"] = threads;
      doc["isa"] = tinyaccel::isa_name(isa);
      doc["peak_gflops"] = peak;
      doc["peak_disturbed"] = std::any_of(results.begin(), results.end(),
                                          [&](const Result& r) { return r.gflops > peak; });
      doc["blas"] = tinyaccel::blas_info().config;
      doc["results"] = nlohmann::json::array();
      for (const Result& r : results) {
        nlohmann::json row = {{"m", r.shape.m},
                              {"k", r.shape.k},
                              {"n", r.shape.n},
                              {"backend", tinyaccel::backend_name(r.backend)},
                              {"median_s", r.timing.median_s},
                              {"min_s", r.timing.min_s},
                              {"cv", r.timing.cv},
                              {"samples", r.timing.samples},
                              {"gflops", r.gflops},
                              {"pct_peak", 100.0 * r.gflops / peak},
                              {"speedup_vs_naive", nullptr},
                              {"ratio_vs_blas", nullptr}};
        if (r.vs_naive) row["speedup_vs_naive"] = *r.vs_naive;
        if (r.vs_blas) row["ratio_vs_blas"] = *r.vs_blas;
        doc["results"].push_back(row);
      }
      std::cout << doc.dump(2) << "\n";
      return 0;
    }
    tinyaccel::cli::Table table({"shape (MxKxN)", "backend", "median ms", "GFLOP/s", "% peak",
                                 "x naive", "x blas", "cv"});
    for (const Result& r : results) {
      table.add_row({r.shape.label(), tinyaccel::backend_name(r.backend),
                     fixed(r.timing.median_s * 1e3, 3), fixed(r.gflops, 1),
                     fixed(100.0 * r.gflops / peak, 1), r.vs_naive ? fixed(*r.vs_naive, 1) : "",
                     r.vs_blas ? fixed(*r.vs_blas, 2) : "",
                     fixed(r.timing.cv, 2) + (r.timing.noisy() ? " noisy" : "")});
    }
    if (opts->csv) {
      std::cout << table.csv();
      return 0;
    }
    std::cout << fmt::format("matmul {}, {} threads, ISA {}, measured FMA peak {:.1f} GFLOP/s\n",
                             tinyaccel::dtype_name(dtype), threads, tinyaccel::isa_name(isa),
                             peak);
    std::cout << "BLAS: " << tinyaccel::blas_info().config << "\n";
    const bool over_peak = std::any_of(results.begin(), results.end(),
                                       [&](const Result& r) { return r.gflops > peak; });
    if (over_peak) {
      std::cout << "note: some results exceed the probed peak: the peak probe was disturbed by "
                   "other load on this machine, so '% peak' is unreliable in this run\n";
    }
    std::cout << "\n" << table.render();
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    10, "matmul", "Every matmul backend side by side: time, GFLOP/s, % of peak, vs naive/BLAS",
    setup, "bench");

}  // namespace
