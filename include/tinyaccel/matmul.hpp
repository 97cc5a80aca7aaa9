// Matrix multiplication with numpy.matmul semantics for inputs of rank >= 2:
//   (..., m, k) @ (..., k, n) -> (broadcast(...), m, n)
// Batch dimensions broadcast; float32 x float64 promotes to float64; strided inputs work;
// k = 0 gives zeros.
// bfloat16 x bfloat16 gives float32 (products exact, sums in float32: the bfloat16 kernel of the
// active tier, see below), on the packed (and automatic) or naive backend; tiled and blas have
// no bfloat16 kernels (DTypeError). bfloat16 mixed with another dtype, and the integer dtypes,
// are DTypeErrors naming them (int8 GEMMs: linear() with a QuantizedWeight). Rank < 2 is a ShapeError ("2D+ required"), as is an inner-dimension or
// batch mismatch ("shape mismatch: (2,3) @ (4,5): ..."). NaN and Inf propagate on every backend.
//
// Results are deterministic for a given backend, dtype and thread count (num_threads()); the
// packed backend gives the same bits for every thread count. Denormals are not flushed: inputs
// and results are handled as IEEE 754 says (correct, possibly slower).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinyaccel/activation.hpp"
#include "tinyaccel/cost.hpp"
#include "tinyaccel/quantize.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

enum class Backend {
  naive,      // reference triple loop, float64 accumulation: the oracle
  tiled,      // explicit i/j/k cache blocking over the strided operands: no packing, no BLAS
  packed,     // Goto/BLIS: packed panels, SIMD micro-kernels chosen by active_isa(), threads
  blas,       // CBLAS (OpenBLAS by default, BLIS selectable at configure time)
  automatic,  // packed or blas, whichever measured faster for the shape (see choose_backend)
};

const char* backend_name(Backend backend);  // "naive", "tiled", "packed", "blas", "auto"
// "naive", "tiled", "packed", "blas", "auto"/"automatic"; ValueError listing the valid names.
Backend parse_backend(const std::string& name);

Tensor matmul(const Tensor& a, const Tensor& b, Backend backend = Backend::automatic);
Tensor naive_matmul(const Tensor& a, const Tensor& b);
Tensor vectorized_matmul(const Tensor& a, const Tensor& b);  // Backend::automatic
// Backend::tiled with square tiles of `tile_size` along i, j and k: the seed's six-loop
// algorithm, for real. tile_size < 1 is a ValueError. Same semantics and errors as matmul.
Tensor tiled_matmul(const Tensor& a, const Tensor& b, int64_t tile_size = 64);

// The fused GEMM: C = act(alpha·A·B + beta·C + bias), computed in place in `c`.
//   a: (m, k), b: (k, n), c: (m, n), all 2-D, any strides (views, transposes: no copies);
//   bias: (n,) added to every row, or none. a, b or bias may share memory with c (even be c):
//   they are then read from a copy, so the result is exact. c must have one element per index
//   (ValueError for a broadcast / stride-0 view).
//   beta == 0 means c's old contents are ignored entirely (NaN/garbage in c does not leak).
//   The epilogue (beta, bias, act) is applied to each output tile while it is in cache.
//   Backend::packed (and automatic) fuse it; naive/tiled/blas compute the product first and
//   then apply the same epilogue, so every backend gives the same contract.
// Errors: ShapeError naming the shapes when they do not fit, DTypeError when a, b, bias and c
// do not share one dtype.
// bfloat16 a and b: c and bias are float32 and the epilogue runs in float32. With the native
// bfloat16 kernels (AVX512_BF16) the dot-product instruction treats denormal inputs (and a
// denormal running sum) as zero and flushes denormal results to zero; each exact product is
// added to the float32 sum with its own rounding to nearest even. The widening kernels of the
// other tiers compute the float32 GEMM of the bfloat16 values as float32 does (denormals kept).
struct GemmOptions {
  double alpha = 1.0;
  double beta = 0.0;
  std::optional<Tensor> bias;  // shape (n,)
  Activation activation = Activation::none;
  Backend backend = Backend::automatic;
};
void fused_gemm(const Tensor& a, const Tensor& b, Tensor& c, const GemmOptions& options = {});

// A Linear layer in PyTorch's convention:
//   x: (..., in_features), weight: (out_features, in_features), bias: (out_features,) or none
//   y = act(x @ weight^T + bias), shape (..., out_features)
// weight is used through a transposed view (packed straight from its rows, never copied).
// x may have any rank >= 1 and any strides. float32 x float64 promotes to float64.
// bfloat16 weight: x float32 (rounded to bfloat16 once, as to_bfloat16) or bfloat16, bias
// float32 or bfloat16; the result is float32, as fused_gemm computes it for bfloat16.
// ShapeError when x.shape[-1] != in_features or bias is not (out_features,); DTypeError for
// other dtype combinations.
Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
              Activation act = Activation::none);

// Cost of linear(x, weight, bias, act): the GEMM's (matmul_cost of (rows, in) @ (in, out)), plus
// one FLOP per output and the bias vector's bytes with a bias, plus the activation's FLOPs per
// output (relu 1, GELU as gelu_cost / gelu_erf_cost); the epilogue moves no other bytes.
// ShapeError as linear() when the shapes do not fit.
OpCost linear_cost(const Shape& x, const Shape& weight, bool bias, Activation act, DType dtype);

// The quantized Linear: x float32 (..., in_features), bias float32 (out_features,) or none,
// result float32 (..., out_features). Each row of x is quantized at call time (quantize_rows:
// uint8 codes q with zero point 128 and a per-row scale s), then
//   y[o] = act(float32(Σ_i (q[i] - 128)·w.values[o][i]) · (s · w.scales[o]) + bias[o])
// with the integer sum exact (in_features <= 65536; ValueError beyond), converted to float32
// once, the two scales multiplied first. A row of x holding NaN or ±Inf gives a NaN row.
// Runs on the active tier's int8 kernel (kernel table: VNNI dot products where the CPU has
// them, exact 16-bit products otherwise); every tier gives the same bits up to the activation,
// whose kernels follow the tier as they do for float32.
Tensor linear(const Tensor& x, const QuantizedWeight& weight,
              const std::optional<Tensor>& bias = std::nullopt, Activation act = Activation::none);

// The same product of rows quantized beforehand (quantize_rows of a float32 (rows, in_features)
// x): result float32 (rows, out_features), the same bits as linear(x, weight, bias, act). For
// quantizing once and multiplying many times, and for timing the int8 GEMM on its own.
// ShapeError when x.values is not (rows, in_features) with x.scales (rows,); DTypeError unless
// uint8 codes and float32 scales.
Tensor linear(const QuantizedRows& x, const QuantizedWeight& weight,
              const std::optional<Tensor>& bias = std::nullopt, Activation act = Activation::none);

namespace naive {
// The reference of the quantized linear: naive::quantize_rows, int64 sums, the same float32
// steps.
Tensor linear(const Tensor& x, const QuantizedWeight& weight,
              const std::optional<Tensor>& bias = std::nullopt, Activation act = Activation::none);
}  // namespace naive

// What Backend::automatic resolves to for an (m×k)·(k×n) product of `dtype` at the current
// thread count, and the measured reason (e.g. "packed: 812 vs 640 GFLOP/s ... calibrated").
struct BackendChoice {
  Backend backend = Backend::packed;
  std::string reason;
};
BackendChoice choose_backend(int64_t m, int64_t n, int64_t k, DType dtype);
// The packed GEMM's micro-kernel and blocking per dtype (float32, float64, bfloat16, int8) at
// active_isa(), e.g. {bf16, "bf16_gemm_12x32_avx512bf16 (MR=12, NR=32, KC=..., NC=...)"}.
std::vector<std::pair<DType, std::string>> packed_gemm_kernels();
// Several lines for reports: the packed micro-kernel of each dtype (packed_gemm_kernels), the
// rule Backend::automatic follows, and how many threads a product gets.
std::string describe_backend_choice();

// Cost of a @ b: 2·m·n·k FLOPs per batch matrix; bytes = (m·k + k·n + m·n)·sizeof(dtype) per
// batch matrix (each operand read once, the result written once; for bfloat16 operands the
// float32 result counts 4 bytes an element).
OpCost matmul_cost(const Shape& a, const Shape& b, DType dtype);

}  // namespace tinyaccel
#pragma GCC visibility pop
