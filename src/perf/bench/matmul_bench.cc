// Every matmul backend side by side on the same operands: median time after warm-up, GFLOP/s,
// % of the measured FMA peak, speedup over the naive loop and ratio to the BLAS library. The
// bfloat16 and int8 comparison is in matmul_bench_lowp.cc.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "perf/bench/matmul_bench_lowp.hpp"
#include "perf/support.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/table.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

constexpr double kNaiveMaxGflop = 2.5, kQuickNaiveMaxGflop = 0.04;

MatmulShape parse_shape(const std::string& text) {
  const std::string expected = "bad matmul shape " + quote(text) +
                               ": expected MxKxN with positive sizes (e.g. 512x768x3072) "
                               "or 'transformer'";
  int64_t dims[3] = {0, 0, 0};
  size_t pos = 0;
  for (int d = 0; d < 3; ++d) {
    if (d > 0 && (pos >= text.size() || text[pos++] != 'x')) throw ValueError(expected);
    const size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == start || pos - start > 12) throw ValueError(expected);
    dims[d] = std::stoll(text.substr(start, pos - start));
    if (dims[d] < 1) throw ValueError(expected);
  }
  if (pos != text.size()) throw ValueError(expected);
  return {dims[0], dims[1], dims[2]};
}

// Times one backend on one problem. Calls that take longer than a second get no separate
// warm-up beyond the first call and at most 3 samples, so the reference loop at large sizes
// stays within tens of seconds.
Timing time_backend(const Tensor& a, const Tensor& b, Tensor& c, Backend backend, int repeats,
                    bool quick) {
  GemmOptions options;
  options.backend = backend;
  const auto call = [&] { fused_gemm(a, b, c, options); };
  const auto start = std::chrono::steady_clock::now();
  call();  // warm-up: caches, page faults, packing buffers
  const double first =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  TimingOptions timing;
  timing.warmup = first > 0.05 ? 0 : 2;
  timing.min_samples = first > 1.0 ? std::min(repeats, 3) : repeats;
  timing.max_samples = first > 1.0 ? timing.min_samples : std::max(repeats, 200);
  timing.target_seconds = quick ? 0.1 : 0.3;
  return measure_latency(call, timing);
}

std::vector<MatmulShape> problems_of(const MatmulBenchOptions& o) {
  std::vector<int64_t> sizes = o.sizes;
  std::vector<MatmulShape> shapes = o.shapes;
  const bool lowp = o.dtype == DType::bf16 || o.dtype == DType::s8;
  if (sizes.empty() && shapes.empty() && lowp) {
    shapes = perf::lowp_default_problems(o.quick);
  } else if (sizes.empty() && shapes.empty()) {
    sizes = o.quick ? std::vector<int64_t>{64, 256, 512, 1024}
                    : std::vector<int64_t>{64, 128, 256, 512, 1024, 2048};
    if (o.quick) shapes = {{1, 768, 768}};
  }
  std::vector<MatmulShape> problems;
  for (int64_t n : sizes) {
    if (n < 1) throw ValueError(fmt::format("bad matmul size {}: expected N >= 1", n));
    problems.push_back({n, n, n});
  }
  for (const MatmulShape& s : shapes) {
    if (s.m < 1 || s.k < 1 || s.n < 1) {
      throw ValueError("bad matmul shape " + s.label() + ": every size must be >= 1");
    }
    problems.push_back(s);
  }
  return problems;
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

Table table_of(const MatmulBench& bench) {
  Table table(
      {"shape (MxKxN)", "backend", "median ms", "GFLOP/s", "% peak", "x naive", "x blas", "cv"});
  for (const MatmulBenchRow& r : bench.results) {
    table.add_row({r.shape.label(), backend_name(r.backend), fixed(r.timing.median_s * 1e3, 3),
                   fixed(r.gflops, 1), fixed(r.pct_peak, 1),
                   r.speedup_vs_naive ? fixed(*r.speedup_vs_naive, 1) : "",
                   r.ratio_vs_blas ? fixed(*r.ratio_vs_blas, 2) : "",
                   fixed(r.timing.cv, 2) + (r.timing.noisy() ? " noisy" : "")});
  }
  return table;
}

}  // namespace

std::string MatmulShape::label() const { return fmt::format("{}x{}x{}", m, k, n); }

std::vector<MatmulShape> transformer_matmul_shapes() {
  return {{512, 768, 3072}, {1, 768, 768}, {128, 4096, 4096}};
}

std::vector<MatmulShape> parse_matmul_shapes(const std::string& text) {
  if (text == "transformer") return transformer_matmul_shapes();
  return {parse_shape(text)};
}

bool MatmulBench::peak_disturbed() const {
  return std::any_of(results.begin(), results.end(),
                     [&](const MatmulBenchRow& r) { return r.gflops > peak_gflops; });
}

MatmulBench compare_matmul_backends(const MatmulBenchOptions& o) {
  MatmulBench bench;
  bench.problems = problems_of(o);
  if (o.backends.empty()) {
    throw ValueError("compare_matmul_backends: no backend to run (expected at least one)");
  }
  if (o.repeats < 1) throw ValueError(fmt::format("repeats must be >= 1 (got {})", o.repeats));
  bench.quick = o.quick;
  bench.repeats = o.quick ? std::min(o.repeats, 3) : o.repeats;
  bench.naive_max_gflop =
      o.naive_max_gflop.value_or(o.quick ? kQuickNaiveMaxGflop : kNaiveMaxGflop);
  const perf::ThreadsGuard guard(o.threads);
  bench.dtype = o.dtype;
  bench.threads = num_threads();
  bench.isa = active_isa();
  bench.blas = blas_info().config;
  const auto progress = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  if (bench.dtype == DType::bf16 || bench.dtype == DType::s8) {
    progress(fmt::format("measuring the {} and float32 peaks ({} threads)...",
                         dtype_name(bench.dtype), bench.threads));
    perf::compare_lowp(o, bench, progress);
    return bench;
  }
  if (bench.dtype != DType::f32 && bench.dtype != DType::f64) {
    throw ValueError(std::string("compare_matmul_backends: no GEMM of ") +
                     dtype_name(bench.dtype) + " (float32, float64, bfloat16 or int8)");
  }
  progress(fmt::format("measuring the {} FMA peak ({}, {} threads)...", isa_name(bench.isa),
                       dtype_name(bench.dtype), bench.threads));
  bench.peak_gflops = measure_peak_gflops(bench.isa, bench.dtype, bench.threads, 0.3);

  for (const MatmulShape& s : bench.problems) {
    const Tensor a = randn({s.m, s.k}, 1, bench.dtype);
    const Tensor b = randn({s.k, s.n}, 2, bench.dtype);
    Tensor c = Tensor::empty({s.m, s.n}, bench.dtype);
    const double gflop = 2.0 * s.m * s.n * s.k * 1e-9;
    std::map<Backend, double> medians;
    const size_t first = bench.results.size();
    for (Backend backend : o.backends) {
      const bool slow = backend == Backend::naive || backend == Backend::tiled;
      if (slow && gflop > bench.naive_max_gflop) {
        bench.skipped.push_back({s, backend, gflop});
        progress(fmt::format("  {} {}: skipped ({:.2f} GFLOP > naive_max_gflop {})", s.label(),
                             backend_name(backend), gflop, bench.naive_max_gflop));
        continue;
      }
      MatmulBenchRow r;
      r.shape = s;
      r.backend = backend;
      r.name = backend_name(backend);
      r.dtype = bench.dtype;
      r.timing = time_backend(a, b, c, backend, bench.repeats, o.quick);
      r.gflops = gflop / r.timing.median_s;
      r.pct_peak = bench.peak_gflops > 0 ? 100.0 * r.gflops / bench.peak_gflops : 0;
      medians[backend] = r.timing.median_s;
      progress(fmt::format("  {} {}: {:.3f} ms, {:.1f} GFLOP/s", s.label(), backend_name(backend),
                           r.timing.median_s * 1e3, r.gflops));
      bench.results.push_back(r);
    }
    for (size_t i = first; i < bench.results.size(); ++i) {
      MatmulBenchRow& r = bench.results[i];
      if (medians.count(Backend::naive)) {
        r.speedup_vs_naive = medians[Backend::naive] / r.timing.median_s;
      }
      if (medians.count(Backend::blas)) {
        r.ratio_vs_blas = medians[Backend::blas] / r.timing.median_s;
      }
    }
  }
  return bench;
}

std::string matmul_bench_json(const MatmulBench& bench) {
  using Json = nlohmann::ordered_json;
  auto optional = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  Json doc;
  doc["dtype"] = dtype_name(bench.dtype);
  doc["threads"] = bench.threads;
  doc["isa"] = isa_name(bench.isa);
  doc["peak_gflops"] = bench.peak_gflops;
  doc["peak_instruction"] = bench.peak_instruction;
  doc["f32_peak_gflops"] = bench.f32_peak_gflops;
  doc["kernels"] = bench.kernels;
  doc["peak_disturbed"] = bench.peak_disturbed();
  doc["blas"] = bench.blas;
  doc["quick"] = bench.quick;
  doc["repeats"] = bench.repeats;
  doc["naive_max_gflop"] = bench.naive_max_gflop;
  doc["problems"] = Json::array();
  for (const MatmulShape& s : bench.problems) doc["problems"].push_back(s.label());
  doc["results"] = Json::array();
  for (const MatmulBenchRow& r : bench.results) {
    doc["results"].push_back({{"m", r.shape.m},
                              {"k", r.shape.k},
                              {"n", r.shape.n},
                              {"shape", r.shape.label()},
                              {"backend", backend_name(r.backend)},
                              {"implementation", r.name},
                              {"dtype", dtype_name(r.dtype)},
                              {"median_s", r.timing.median_s},
                              {"min_s", r.timing.min_s},
                              {"cv", r.timing.cv},
                              {"noisy", r.timing.noisy()},
                              {"samples", r.timing.samples},
                              {"gflops", r.gflops},
                              {"pct_peak", r.pct_peak},
                              {"speedup_vs_naive", optional(r.speedup_vs_naive)},
                              {"ratio_vs_blas", optional(r.ratio_vs_blas)},
                              {"ratio_vs_f32", optional(r.ratio_vs_f32)},
                              {"ratio_vs_onednn", optional(r.ratio_vs_onednn)}});
  }
  doc["skipped"] = Json::array();
  for (const MatmulBenchSkip& s : bench.skipped) {
    doc["skipped"].push_back({{"m", s.shape.m},
                              {"k", s.shape.k},
                              {"n", s.shape.n},
                              {"backend", backend_name(s.backend)},
                              {"gflop", s.gflop}});
  }
  doc["onednn"] = onednn_version();
  doc["notes"] = bench.notes;
  return doc.dump(2);
}

std::string matmul_bench_text(const MatmulBench& bench) {
  if (bench.dtype == DType::bf16 || bench.dtype == DType::s8) return perf::lowp_text(bench);
  std::string out =
      fmt::format("matmul {}, {} threads, ISA {}, measured FMA peak {:.1f} GFLOP/s\n",
                  dtype_name(bench.dtype), bench.threads, isa_name(bench.isa), bench.peak_gflops);
  out += "BLAS: " + bench.blas + "\n";
  if (bench.peak_disturbed()) {
    out +=
        "note: some results exceed the probed peak: the peak probe was disturbed by other load "
        "on this machine, so '% peak' is unreliable in this run\n";
  }
  return out + "\n" + table_of(bench).render();
}

std::string matmul_bench_csv(const MatmulBench& bench) {
  if (bench.dtype == DType::bf16 || bench.dtype == DType::s8) return perf::lowp_csv(bench);
  return table_of(bench).csv();
}

}  // namespace tinyaccel
