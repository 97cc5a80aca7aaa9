// The bfloat16 and int8 side of compare_matmul_backends (bench.hpp): our low-precision GEMMs,
// our float32 one, oneDNN's matmul and PyTorch's, on the same operands, sample by sample in
// turn.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <thread>

#include "perf/bench/matmul_bench_lowp.hpp"
#include "perf/bench/matmul_bench_peers.hpp"
#include "perf/bench/torch_peer.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/quantize.hpp"
#include "tinyaccel/table.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::perf {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One implementation of a problem: a call in this process, or a remote sampler (PyTorch).
struct Impl {
  Impl(std::string name, Backend backend, DType dtype, bool ours = true, bool onednn = false)
      : name(std::move(name)), backend(backend), dtype(dtype), ours(ours), onednn(onednn) {}

  std::string name;
  Backend backend = Backend::packed;
  DType dtype = DType::f32;
  bool ours = true, onednn = false;
  std::function<void()> call;
  std::function<std::optional<double>(int calls)> remote;
  int calls = 1;  // per sample: enough for ~2 ms
  std::vector<double> samples;
  std::string failed;  // a remote that stopped answering

  // Seconds per call of one sample of `calls` calls.
  std::optional<double> sample(int n) {
    if (remote) return remote(n);
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) call();
    return seconds_since(t0) / n;
  }
};

std::string kernel_line(DType dtype) {
  for (const auto& [d, kernel] : packed_gemm_kernels()) {
    if (d == dtype) return kernel;
  }
  return "";
}

// The operands of one problem, in every form the implementations take; they outlive the calls.
struct Operands {
  Tensor a, b, c;       // float32 (m,k), (k,n), (m,n)
  Tensor a16, b16;      // bfloat16
  std::optional<QuantizedWeight> w;  // int8 W = Bᵀ, per channel
  std::optional<QuantizedRows> qa;   // int8 rows of A
};

Operands make_operands(const MatmulShape& s, DType dtype) {
  Operands o;
  o.a = randn({s.m, s.k}, 1);
  o.b = randn({s.k, s.n}, 2);
  o.c = Tensor::empty({s.m, s.n}, DType::f32);
  if (dtype == DType::bf16) {
    o.a16 = o.a.to(DType::bf16);
    o.b16 = o.b.to(DType::bf16);
  } else {
    o.w = QuantizedWeight::quantize(o.b.mT().contiguous());
    o.qa = quantize_rows(o.a);
  }
  return o;
}

GemmOptions packed_options() {
  GemmOptions o;
  o.backend = Backend::packed;
  return o;
}

GemmOptions naive_options() {
  GemmOptions o;
  o.backend = Backend::naive;
  return o;
}

std::vector<Impl> ours(const std::shared_ptr<Operands>& op, DType dtype, bool naive) {
  std::vector<Impl> impls;
  Impl f32{"packed float32", Backend::packed, DType::f32};
  f32.call = [op] { fused_gemm(op->a, op->b, op->c, packed_options()); };
  impls.push_back(f32);
  if (dtype == DType::bf16) {
    Impl bf{"packed bfloat16", Backend::packed, DType::bf16};
    bf.call = [op] { fused_gemm(op->a16, op->b16, op->c, packed_options()); };
    impls.push_back(bf);
    if (naive) {
      Impl ref{"naive", Backend::naive, DType::bf16};
      ref.call = [op] { fused_gemm(op->a16, op->b16, op->c, naive_options()); };
      impls.push_back(ref);
    }
    return impls;
  }
  Impl q{"packed int8", Backend::packed, DType::s8};
  q.call = [op] { linear(*op->qa, *op->w); };
  impls.push_back(q);
  Impl ql{"int8 linear", Backend::packed, DType::s8};
  ql.call = [op] { linear(op->a, *op->w); };
  impls.push_back(ql);
  if (naive) {
    Impl ref{"naive", Backend::naive, DType::s8};
    ref.call = [op] { naive::linear(op->a, *op->w); };
    impls.push_back(ref);
  }
  return impls;
}

// The pause before a sample that follows oneDNN's: libgomp's idle workers spin after a parallel
// region (unless OMP_WAIT_POLICY=passive) for up to GOMP_SPINCOUNT = 300000 pause instructions,
// 5-15 ms at 40-140 cycles each, competing with whatever runs next on the same cores.
bool openmp_waits_passively() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return policy != nullptr && (std::string(policy) == "passive" || std::string(policy) == "PASSIVE");
}

std::chrono::milliseconds pause_after_onednn() {
  return std::chrono::milliseconds(openmp_waits_passively() ? 3 : 30);
}

// Warm-up, then rounds of one sample per implementation until each has `min_samples` and about
// `target` seconds of samples (at most `max_rounds` rounds). A short pause before each sample lets the
// other runtimes' idle workers stop spinning (ours and PyTorch's wait passively within
// milliseconds; oneDNN's see pause_after_onednn).
void sample_in_turn(std::vector<Impl>& impls, int min_samples, double target, int max_rounds) {
  for (Impl& impl : impls) {
    const auto first = impl.sample(1);
    if (!first) {
      impl.failed = "stopped during warm-up";
      continue;
    }
    impl.calls = std::clamp(static_cast<int>(std::ceil(2e-3 / std::max(*first, 1e-9))), 1, 1000);
  }
  std::vector<double> spent(impls.size(), 0.0);
  const auto long_pause = pause_after_onednn();
  bool after_onednn = false;
  for (int round = 0; round < max_rounds; ++round) {
    bool more = false;
    for (size_t i = 0; i < impls.size(); ++i) {
      Impl& impl = impls[i];
      if (!impl.failed.empty()) continue;
      const int have = static_cast<int>(impl.samples.size());
      if (have >= min_samples && spent[i] >= target) continue;
      more = true;
      std::this_thread::sleep_for(after_onednn ? long_pause : std::chrono::milliseconds(3));
      after_onednn = impl.onednn;
      const auto s = impl.sample(impl.calls);
      if (!s) {
        impl.failed = "stopped answering";
        continue;
      }
      impl.samples.push_back(*s);
      spent[i] += *s * impl.calls;
    }
    if (!more) break;
  }
}

}  // namespace

std::vector<MatmulShape> lowp_default_problems(bool quick) {
  std::vector<MatmulShape> problems;
  for (int64_t n : quick ? std::vector<int64_t>{512} : std::vector<int64_t>{1024, 2048}) {
    problems.push_back({n, n, n});
  }
  if (quick) {
    problems.push_back({1, 768, 768});
  } else {
    for (const MatmulShape& s : transformer_matmul_shapes()) problems.push_back(s);
  }
  return problems;
}

void compare_lowp(const MatmulBenchOptions& o, MatmulBench& bench, const ProgressFn& progress) {
  bool naive = false;
  for (Backend b : o.backends) {
    if (b == Backend::naive) naive = true;
    if (b == Backend::tiled || b == Backend::blas) {
      bench.notes.push_back(fmt::format("{}: no {} kernels (not run)", backend_name(b),
                                        dtype_name(bench.dtype)));
    }
  }
  const double probe_s = o.quick ? 0.05 : 0.3;
  const DotPeak peak = probe_dot_peak(bench.dtype, bench.threads, probe_s);
  bench.peak_gflops = peak.gops;
  bench.peak_instruction = peak.instruction;
  if (!peak.note.empty()) bench.notes.push_back("peak: " + peak.note);
  bench.f32_peak_gflops = measure_peak_gflops(bench.isa, DType::f32, bench.threads, probe_s);
  bench.kernels = kernel_line(bench.dtype);
  progress(fmt::format("peaks: {} {:.1f} G(FL)OP/s, float32 FMA {:.1f} GFLOP/s",
                       peak.instruction.empty() ? "none" : peak.instruction, peak.gops,
                       bench.f32_peak_gflops));
  const std::string onednn = onednn_version();
  std::vector<std::string> pythons;
  std::optional<std::string> script;
  if (bench.dtype == DType::bf16) {
    pythons = torch_pythons(o.torch);
    script = find_peer_script(o.torch_script, "bench/peers/torch_matmul.py");
    if (!pythons.empty() && !script) {
      bench.notes.push_back("torch: bench/peers/torch_matmul.py not found (not run)");
      pythons.clear();
    }
  } else {
    bench.notes.push_back("torch: no int8 matmul peer (PyTorch's CPU int8 GEMMs sit behind "
                          "quantized modules, see bench/lowp_block_accuracy.py)");
  }
  const double target = o.quick ? 0.05 : 0.3;
  const int max_rounds = o.quick ? 20 : 200;
  for (const MatmulShape& s : bench.problems) {
    const double gflop = 2.0 * s.m * s.n * s.k * 1e-9;
    const bool run_naive = naive && gflop <= bench.naive_max_gflop;
    if (naive && !run_naive) bench.skipped.push_back({s, Backend::naive, gflop});
    auto op = std::make_shared<Operands>(make_operands(s, bench.dtype));
    std::vector<Impl> impls = ours(op, bench.dtype, run_naive);
    std::string why;
    const auto dnnl = bench.dtype == DType::bf16
                          ? onednn_matmul(bench.dtype, op->a16, op->b16, bench.threads, why)
                          : onednn_matmul(bench.dtype, op->qa->values, op->w->values(),
                                          bench.threads, why);
    if (dnnl && !openmp_waits_passively()) {
      const std::string note =
          "oneDNN: OMP_WAIT_POLICY is not passive: its OpenMP workers spin-wait, which on a "
          "loaded machine costs it whole scheduler time slices (set OMP_WAIT_POLICY=passive "
          "before the process starts; the CLI does)";
      if (std::find(bench.notes.begin(), bench.notes.end(), note) == bench.notes.end()) {
        bench.notes.push_back(note);
      }
    }
    if (dnnl) {
      Impl peer{onednn, Backend::automatic, bench.dtype, false, true};
      peer.call = dnnl;
      impls.push_back(peer);
    } else if (std::find(bench.notes.begin(), bench.notes.end(), why) == bench.notes.end()) {
      bench.notes.push_back(why);
    }
    std::vector<std::unique_ptr<TorchMatmulPeer>> torches;
    for (const std::string& python : pythons) {
      progress(fmt::format("  {}: starting the PyTorch peer ({})", s.label(), python));
      auto peer = std::make_unique<TorchMatmulPeer>(python, *script, s, bench.dtype,
                                                     bench.threads);
      if (!peer->ok()) {
        const std::string note = "torch (" + python + "): " + peer->error();
        if (std::find(bench.notes.begin(), bench.notes.end(), note) == bench.notes.end()) {
          bench.notes.push_back(note);
        }
        continue;
      }
      Impl t{"torch " + peer->version(), Backend::automatic, bench.dtype, false};
      TorchMatmulPeer* raw = peer.get();
      t.remote = [raw](int calls) { return raw->sample(calls); };
      impls.push_back(t);
      torches.push_back(std::move(peer));
    }
    progress(fmt::format("  {}: {} implementations in turn", s.label(), impls.size()));
    sample_in_turn(impls, bench.repeats, target, max_rounds);
    double f32_median = 0, onednn_median = 0;
    const size_t first = bench.results.size();
    for (Impl& impl : impls) {
      if (!impl.failed.empty()) {
        bench.notes.push_back(fmt::format("{} {}: {}", s.label(), impl.name, impl.failed));
        continue;
      }
      MatmulBenchRow r;
      r.shape = s;
      r.backend = impl.backend;
      r.name = impl.name;
      r.dtype = impl.dtype;
      r.timing = summarize(impl.samples);
      r.timing.calls_per_sample = impl.calls;
      r.gflops = gflop / r.timing.median_s;
      const double roof = impl.dtype == DType::f32 ? bench.f32_peak_gflops : bench.peak_gflops;
      r.pct_peak = roof > 0 ? 100.0 * r.gflops / roof : 0;
      if (impl.dtype == DType::f32) f32_median = r.timing.median_s;
      if (impl.onednn) onednn_median = r.timing.median_s;
      progress(fmt::format("  {} {}: {:.3f} ms, {:.1f} G(FL)OP/s", s.label(), impl.name,
                           r.timing.median_s * 1e3, r.gflops));
      bench.results.push_back(r);
    }
    for (size_t i = first; i < bench.results.size(); ++i) {
      MatmulBenchRow& r = bench.results[i];
      if (r.dtype != DType::f32 && f32_median > 0) r.ratio_vs_f32 = f32_median / r.timing.median_s;
      if (onednn_median > 0 && r.name != onednn) {
        r.ratio_vs_onednn = onednn_median / r.timing.median_s;
      }
    }
  }
  bench.notes.push_back(
      "samples alternate between the implementations (a short pause before each); oneDNN: "
      "plain layouts, primitive created once, same thread count; torch: another process whose "
      "samples are taken in turn with ours");
}

std::string lowp_text(const MatmulBench& bench) {
  const bool int8 = bench.dtype == DType::s8;
  Table table({"shape (MxKxN)", "implementation", "median ms", int8 ? "G(FL)OP/s" : "GFLOP/s",
               "% peak", "x f32", "x oneDNN", "cv"});
  const auto fixed = [](double v, int digits) { return fmt::format("{:.{}f}", v, digits); };
  for (const MatmulBenchRow& r : bench.results) {
    table.add_row({r.shape.label(), r.name, fixed(r.timing.median_s * 1e3, 3), fixed(r.gflops, 1),
                   fixed(r.pct_peak, 1), r.ratio_vs_f32 ? fixed(*r.ratio_vs_f32, 2) : "",
                   r.ratio_vs_onednn ? fixed(*r.ratio_vs_onednn, 2) : "",
                   fixed(r.timing.cv, 2) + (r.timing.noisy() ? " noisy" : "")});
  }
  std::string out = fmt::format(
      "matmul {}, {} threads, ISA {}; peaks: {} {:.1f} G{}/s, float32 FMA {:.1f} GFLOP/s\n",
      dtype_name(bench.dtype), bench.threads, isa_name(bench.isa),
      bench.peak_instruction.empty() ? "(not measured)" : bench.peak_instruction,
      bench.peak_gflops, int8 ? "OP" : "FLOP", bench.f32_peak_gflops);
  if (!bench.kernels.empty()) out += "kernel: " + bench.kernels + "\n";
  if (bench.peak_disturbed()) {
    out += "note: some results exceed the probed peak: the peak probe was disturbed by other "
           "load on this machine, so '% peak' is unreliable in this run\n";
  }
  out += "\n" + table.render();
  for (const std::string& note : bench.notes) out += "note: " + note + "\n";
  return out;
}

std::string lowp_csv(const MatmulBench& bench) {
  Table table({"shape", "implementation", "dtype", "median_ms", "gops", "pct_peak", "x_f32",
               "x_onednn", "cv"});
  for (const MatmulBenchRow& r : bench.results) {
    table.add_row({r.shape.label(), r.name, dtype_name(r.dtype),
                   fmt::format("{:.6f}", r.timing.median_s * 1e3), fmt::format("{:.3f}", r.gflops),
                   fmt::format("{:.2f}", r.pct_peak),
                   r.ratio_vs_f32 ? fmt::format("{:.4f}", *r.ratio_vs_f32) : "",
                   r.ratio_vs_onednn ? fmt::format("{:.4f}", *r.ratio_vs_onednn) : "",
                   fmt::format("{:.4f}", r.timing.cv)});
  }
  return table.csv();
}

}  // namespace tinyaccel::perf
