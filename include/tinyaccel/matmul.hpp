// Matrix multiplication with numpy.matmul semantics for inputs of rank >= 2:
//   (..., m, k) @ (..., k, n) -> (broadcast(...), m, n)
// Batch dimensions broadcast; float32 x float64 promotes to float64; strided inputs work;
// k = 0 gives zeros. Rank < 2 is a ShapeError ("2D+ required"), as is an inner-dimension or
// batch mismatch ("shape mismatch: (2,3) @ (4,5): ..."). NaN and Inf propagate on every backend.
//
// Results are deterministic for a given backend, dtype and thread count (num_threads()); the
// packed backend gives the same bits for every thread count. Denormals are not flushed: inputs
// and results are handled as IEEE 754 says (correct, possibly slower).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tinyaccel/activation.hpp"
#include "tinyaccel/cost.hpp"
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
// ShapeError when x.shape[-1] != in_features or bias is not (out_features,).
Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
              Activation act = Activation::none);

// Cost of linear(x, weight, bias, act): the GEMM's (matmul_cost of (rows, in) @ (in, out)), plus
// one FLOP per output and the bias vector's bytes with a bias, plus the activation's FLOPs per
// output (relu 1, GELU as gelu_cost / gelu_erf_cost); the epilogue moves no other bytes.
// ShapeError as linear() when the shapes do not fit.
OpCost linear_cost(const Shape& x, const Shape& weight, bool bias, Activation act, DType dtype);

// What Backend::automatic resolves to for an (m×k)·(k×n) product of `dtype` at the current
// thread count, and the measured reason (e.g. "packed: 812 vs 640 GFLOP/s ... calibrated").
struct BackendChoice {
  Backend backend = Backend::packed;
  std::string reason;
};
BackendChoice choose_backend(int64_t m, int64_t n, int64_t k, DType dtype);
// Several lines for `tinyaccel info`: the micro-kernels in use (ISA, MR×NR, KC/NC) and the
// rule Backend::automatic follows with the measurements behind it.
std::string describe_backend_choice();

// Cost of a @ b: 2·m·n·k FLOPs per batch matrix; bytes = (m·k + k·n + m·n)·sizeof(dtype) per
// batch matrix (each operand read once, the result written once).
OpCost matmul_cost(const Shape& a, const Shape& b, DType dtype);

}  // namespace tinyaccel
#pragma GCC visibility pop
