// Matrix multiplication with numpy.matmul semantics for inputs of rank >= 2:
//   (..., m, k) @ (..., k, n) -> (broadcast(...), m, n)
// Batch dimensions broadcast; float32 x float64 promotes to float64; strided inputs work;
// k = 0 gives zeros. Rank < 2 is a ShapeError ("2D+ required"), as is an inner-dimension or
// batch mismatch ("shape mismatch: (2,3) @ (4,5): ..."). NaN and Inf propagate on every backend.
#pragma once

#include <string>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/tensor.hpp"

namespace tinyaccel {

enum class Backend {
  naive,      // reference triple loop, float64 accumulation: the oracle
  blas,       // CBLAS (OpenBLAS by default, BLIS selectable at configure time)
  automatic,  // the fastest available backend for the shape
};

const char* backend_name(Backend backend);
// "naive", "blas", "auto"/"automatic"; ValueError listing the valid names otherwise.
Backend parse_backend(const std::string& name);

Tensor matmul(const Tensor& a, const Tensor& b, Backend backend = Backend::automatic);
Tensor naive_matmul(const Tensor& a, const Tensor& b);
Tensor vectorized_matmul(const Tensor& a, const Tensor& b);

// Cost of a @ b: 2·m·n·k FLOPs per batch matrix; bytes = (m·k + k·n + m·n)·sizeof(dtype) per
// batch matrix (each operand read once, the result written once).
OpCost matmul_cost(const Shape& a, const Shape& b, DType dtype);

// Which BLAS this build links: vendor, version/config string and its current thread count.
struct BlasInfo {
  std::string vendor;
  std::string config;
  int threads = 0;
};
BlasInfo blas_info();

}  // namespace tinyaccel
