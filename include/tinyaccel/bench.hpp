// Side-by-side benchmarks, as data: every matmul backend on the same operands (float32/float64),
// our bfloat16 and int8 GEMMs against our float32 one, oneDNN and PyTorch, and every fused
// element-wise op against its unfused twin (and PyTorch). The front ends (the CLI's `bench`
// commands, the report, Python) run these and render the results with the writers below, so
// they never disagree. Times are medians of measure_latency samples (timing.hpp); every rate is
// computed from the costs the kernels declare.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tinyaccel/matmul.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/timing.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

using ProgressFn = std::function<void(const std::string&)>;

// ---- the peak of a GEMM precision ---------------------------------------------------------------

// The multiply-accumulate instruction the active tier's GEMM of `dtype` is built on and its
// measured throughput: 16 independent chains of it per thread on register operands, `threads`
// pinned threads, about `seconds`, the best repeat (as probe_peak measures the FMA peak).
//   float32  — probe_peak at active_isa(): vfmadd231ps, 2 FLOPs per lane;
//   bfloat16 — vdpbf16ps zmm (AVX512_BF16), 2 products = 4 FLOPs per 32-bit lane; on the other
//              tiers the bfloat16 GEMM runs the float32 kernels, so its peak is float32's;
//   int8     — vpdpbusd zmm (AVX512_VNNI), 4 products = 8 operations per 32-bit lane; other
//              tiers: not measured (gops 0, `note` says why).
// ValueError for another dtype or threads < 1.
struct DotPeak {
  DType dtype = DType::f32;
  std::string instruction;  // e.g. "vdpbf16ps zmm"; empty when not measured
  double gops = 0;          // G(FL)OP/s; 0 when not measured
  ProbeStats stats;
  std::string note;         // why not measured, or what stands in for the instruction; empty
                            // when the precision's own instruction was measured
};
DotPeak probe_dot_peak(DType dtype, int threads, double seconds = 0.2);
// The peak as a compute roof for placing `dtype` layers ({active_isa(), dtype, threads, stats});
// nullopt when not measured.
std::optional<ComputeRoof> dot_peak_roof(const DotPeak& peak, int threads);

// ---- matmul backends ---------------------------------------------------------------------------

// One problem: A is (m, k), B is (k, n).
struct MatmulShape {
  int64_t m = 0, k = 0, n = 0;
  std::string label() const;  // "512x768x3072"
  bool operator==(const MatmulShape&) const = default;
};

// "MxKxN" with positive sizes, or "transformer" for transformer_matmul_shapes(). ValueError
// naming the text and the accepted forms otherwise.
std::vector<MatmulShape> parse_matmul_shapes(const std::string& text);
// A BERT-base block's GEMMs: 512x768x3072 (MLP), 1x768x768 (one token), 128x4096x4096.
std::vector<MatmulShape> transformer_matmul_shapes();

// float32 and float64 compare the chosen backends. bfloat16 and int8 (DType::s8) compare, on the
// same operands, alternating sample by sample so that load on a shared machine hits them alike:
//   packed float32   our float32 GEMM (the baseline of "x f32")
//   packed bfloat16  fused_gemm of bfloat16 A and B into float32 C;
//   packed int8      linear() of already quantized rows (A = QuantizedRows of a float32 A) by a
//                    QuantizedWeight (B = Wᵀ, W quantized per channel), float32 out;
//   int8 linear      linear() of the float32 A by the QuantizedWeight: with the dynamic
//                    quantization of A's rows, what a quantized Linear layer costs;
//   naive            the reference twin (within naive_max_gflop, when "naive" is in backends);
//   oneDNN           its matmul primitive on the same operands (bfloat16: A, B plain, f32 out;
//                    int8: u8 A × s8 Wᵀ → s32, no dequantization), created once per problem,
//                    when the library was built with it (onednn_version());
//   torch            PyTorch's bfloat16 torch.matmul in another interpreter (`torch`), timed
//                    there between our samples (bench/peers/torch_matmul.py).
// Peers that cannot run are listed in MatmulBench::notes, never dropped silently.
struct MatmulBenchOptions {
  // Problems: squares N×N×N, then `shapes`. Both empty: 64 128 256 512 1024 2048 (quick: 64 256
  // 512 1024 and 1x768x768); bfloat16 and int8: 1024 2048 and transformer_matmul_shapes()
  // (quick: 512 and 1x768x768).
  std::vector<int64_t> sizes;
  std::vector<MatmulShape> shapes;
  DType dtype = DType::f32;  // float32, float64, bfloat16 or int8 (DType::s8)
  int threads = 0;  // > 0: the thread count for the run (restored after); 0: num_threads()
  std::vector<Backend> backends = {Backend::naive, Backend::tiled, Backend::packed, Backend::blas};
  int repeats = 5;  // minimum timed samples per backend and problem (quick: at most 3)
  bool quick = false;
  // naive and tiled run only where one call is at most this many GFLOP (default 2.5; quick
  // 0.04); skipped problems are listed, never extrapolated.
  std::optional<double> naive_max_gflop;
  // bfloat16: the PyTorch peer's interpreters, as FusionBenchOptions::torch ("" = Debian's
  // /usr/bin/python3 and .venv/bin/python where present, "none" = skip, else that one), and
  // its script (empty: bench/peers/torch_matmul.py, looked for as the fusion peer's is).
  std::string torch;
  std::string torch_script;
  ProgressFn progress;  // one line per measurement; nullptr: silent
};

struct MatmulBenchRow {
  MatmulShape shape;
  Backend backend = Backend::automatic;  // ours: the backend it ran on
  std::string name;  // the implementation: backend_name(backend), or (bfloat16, int8) as listed
                     // above, e.g. "packed float32", "oneDNN 2.6.3", "torch 2.15.0"
  DType dtype = DType::f32;  // the precision it multiplies in
  Timing timing;
  double gflops = 0;    // 2·m·n·k / median: G(FL)OP/s (int8: GOP/s)
  double pct_peak = 0;  // of its precision's peak measured at the start of the run
  std::optional<double> speedup_vs_naive;  // naive median / this median, when naive ran
  std::optional<double> ratio_vs_blas;     // blas median / this median, when blas ran
  std::optional<double> ratio_vs_f32;      // packed float32 median / this (bfloat16, int8)
  std::optional<double> ratio_vs_onednn;   // oneDNN median / this, for ours (bfloat16, int8)
};

struct MatmulBenchSkip {
  MatmulShape shape;
  Backend backend = Backend::automatic;
  double gflop = 0;  // one call's work, over naive_max_gflop
};

struct MatmulBench {
  DType dtype = DType::f32;
  int threads = 1;
  Isa isa = Isa::scalar;
  double peak_gflops = 0;  // measured FMA peak at isa, dtype, threads; bfloat16, int8: DotPeak
  std::string peak_instruction;  // what peak_gflops is the peak of
  double f32_peak_gflops = 0;    // bfloat16, int8: the float32 FMA peak (the float32 row's)
  std::string kernels;           // bfloat16, int8: our micro-kernel and its blocking
  std::string blas;        // blas_info().config
  std::vector<MatmulShape> problems;
  int repeats = 0;
  double naive_max_gflop = 0;
  bool quick = false;
  std::vector<MatmulBenchRow> results;  // problem by problem, backends in the order asked
  std::vector<MatmulBenchSkip> skipped;
  std::vector<std::string> notes;  // peers that did not run and why; how the peers were run
  // A result above the probed peak: the peak probe was disturbed, '% peak' is unreliable.
  bool peak_disturbed() const;
};

// Multiplies the same seeded operands into a preallocated C (fused_gemm, trivial epilogue) with
// each backend: warm-up call, then samples until ~0.3 s (quick 0.1 s); a call over a second gets
// at most 3 samples. bfloat16 and int8: every implementation once for warm-up, then rounds of
// one sample each (a sample = enough calls for ~2 ms), at least `repeats` rounds and up to
// ~0.3 s of each (at most 200 rounds; quick: 0.05 s, 20 rounds). ValueError for an empty problem list or backend list, or for a
// backend that has no kernels of the dtype (tiled, blas with bfloat16 and int8).
MatmulBench compare_matmul_backends(const MatmulBenchOptions& options);

// "oneDNN 2.6.3" when the library was built with oneDNN (Debian's libdnnl-dev, found at
// configure time) as the low-precision bench's peer; empty otherwise.
std::string onednn_version();

std::string matmul_bench_json(const MatmulBench& bench);  // every number, options, metadata
std::string matmul_bench_text(const MatmulBench& bench);  // header lines + table (people)
std::string matmul_bench_csv(const MatmulBench& bench);   // the table's rows

// ---- fused vs unfused element-wise ops
// -----------------------------------------------------------

// One problem size: "N" elements (parse_count: 64K = 65536; rows of 1024 when N is a multiple
// of 1024, else one row) or "ROWSxCOLS" (each a count). ValueError naming the text otherwise.
struct FusionSize {
  std::string label;
  int64_t rows = 0, cols = 0;
};
FusionSize parse_fusion_size(const std::string& text);

struct FusionBenchOptions {
  // Sizes as parse_fusion_size reads them; empty: 1K 4K 16K 64K 256K 1M 2000x2000 16M (quick:
  // 4K 256K 2000x2000).
  std::vector<std::string> sizes;
  std::vector<std::string> ops;  // op case names (op_cases.hpp); empty: fusion_op_names()
  DType dtype = DType::f32;
  int threads = 0;     // > 0: the thread count for the run (restored after); 0: num_threads()
  bool quick = false;  // shorter timing
  // The PyTorch peer (float32 only): "" runs /usr/bin/python3 and .venv/bin/python where
  // present; "none" skips it; anything else is the interpreter to run.
  std::string torch;
  // bench/peers/torch_gelu.py; empty: looked for under the current directory and up to three
  // levels above the running executable.
  std::string peer_script;
  // The roofs each fused kernel is placed on (roofline.hpp's place(): level by working set and
  // rate, flagged when above every roof it could belong to); nullopt: measure_roofs(dtype).
  std::optional<Roofs> roofs;
  ProgressFn progress;
};

struct FusionRow {
  std::string op, size;
  int64_t rows = 0, cols = 0;
  double fused_ms = 0;
  std::optional<double> fused_out_ms;  // the out= form, when the op has one
  double unfused_ms = 0;
  int64_t fused_bytes = 0;  // the op's declared bytes (fused execution)
  double gbs = 0;           // fused_bytes / the out= time (fused time when no out= form)
  double copy_gbs = 0;      // the copy probe on the same working set and threads
  // The fused kernel (out= form where there is one) placed on the roofs: its level, % of that
  // roof, and a flag when it is above every roof it could belong to.
  Placement placement;
  int64_t peak_fused_bytes = 0, peak_unfused_bytes = 0;  // tensor bytes one call allocates
  bool noisy = false;  // some timing's CV was above Timing::kNoisyCv

  int64_t numel() const { return rows * cols; }
  double speedup() const { return fused_ms > 0 ? unfused_ms / fused_ms : 0; }
  // peak_unfused / peak_fused; nullopt when the fused call allocates nothing.
  std::optional<double> mem_ratio() const;
};

// PyTorch's gelu(approximate='tanh') on the same 2000x2000 float32 input and thread count,
// run by `python` (bench/peers/torch_gelu.py), next to fused_gelu timed in this process.
struct TorchPeer {
  std::string python;
  std::string version;  // torch.__version__
  std::string error;    // why it did not run (then the times are 0)
  double torch_ms = 0, fused_ms = 0;
  double speedup() const { return fused_ms > 0 ? torch_ms / fused_ms : 0; }
};

struct FusionBench {
  DType dtype = DType::f32;
  int threads = 1;
  Isa isa = Isa::scalar;
  bool quick = false;
  std::vector<FusionRow> rows;  // size by size, ops in the order asked
  std::vector<TorchPeer> peers;
};

// Times each op's fused, fused out= and unfused executions on the same seeded operands
// (make_op_operands) at each size, with their peak tensor memory; then the PyTorch peer.
// ValueError for an unknown op, an op without an unfused twin or a bad size, before measuring.
FusionBench compare_fusion(const FusionBenchOptions& options);

std::string fusion_bench_json(const FusionBench& bench);
std::string fusion_bench_text(const FusionBench& bench);
std::string fusion_bench_csv(const FusionBench& bench);

// ---- the worker pool's hand-off ----------------------------------------------------------------

// One thread count's hand-off: the median time of one empty job started on and joined from
// every thread (measure_handoff, threads.hpp).
struct HandoffRow {
  int threads = 1;
  double seconds = 0;
  bool oversubscribed = false;  // more threads than usable_cpus(): the mechanism's cost at that
                                // count, not what a machine with that many cores would take
};

struct HandoffBench {
  int usable_cpus = 1;
  int calls = 0;
  std::vector<HandoffRow> rows;  // in the order asked
};

// Default counts: 1, 2, 4, ..., 64. ValueError for a count outside 1..kMaxHandoffThreads or
// calls < 1, before measuring.
std::vector<int> default_handoff_threads();
HandoffBench measure_handoff_sweep(const std::vector<int>& threads, int calls = 200);

std::string handoff_bench_json(const HandoffBench& bench);
std::string handoff_bench_text(const HandoffBench& bench);

// ---- scaling over thread counts ----------------------------------------------------------------

struct ScalingOptions {
  std::vector<int> threads;      // empty: 1, 2, 4, ... up to usable_cpus(), and usable_cpus()
  nn::TransformerConfig config;  // the block (default 768/12/3072, float32)
  int64_t seq = 512;
  int64_t gemm_size = 2048;      // the square GEMM (packed backend); 0 leaves it out
  int iterations = 5;            // timed block passes per count (warm-up 1)
  // Place under these roofs instead of probing them at every count (both > 0, or both 0).
  double peak_gflops = 0, bandwidth_gbs = 0;
  ProgressFn progress;
};

// One part (the block, one of its layers, or the square GEMM) at one thread count.
struct ScalingRow {
  std::string name;
  int threads = 1;
  double seconds = 0;        // median per call
  double speedup = 0;        // T(first count) / T(this count)
  double efficiency = 0;     // T(first) · first / (T · threads): T₁ / (p·Tₚ) when first is 1
  double roof_fraction = 0;  // the roofline bound's time / this time (0 for the whole block)
  bool oversubscribed = false;  // threads > usable_cpus()
};

struct ScalingBench {
  int usable_cpus = 1;
  std::vector<int> threads;
  int64_t seq = 0;
  nn::TransformerConfig config;
  std::vector<ScalingRow> rows;  // part by part, counts in the order asked
};

// At each count, one after another: the roofs (probed, or the given ones), the block profiled
// layer by layer (profile_transformer) and the square GEMM timed. ValueError for a count outside
// 1..max_threads(), seq or iterations < 1, or one roof given without the other, before
// measuring.
ScalingBench measure_scaling(const ScalingOptions& options);

std::string scaling_bench_json(const ScalingBench& bench);
std::string scaling_bench_text(const ScalingBench& bench);

}  // namespace tinyaccel
#pragma GCC visibility pop
