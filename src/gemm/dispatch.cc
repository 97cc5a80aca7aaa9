// run_gemm: the backend switch matmul, fused_gemm and linear share (backends.hpp).
#include <vector>

#include "gemm/backends.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::gemm {
namespace {

// A backend without a fused epilogue on one product: C directly when nothing is left to apply,
// else a scratch product and the epilogue.
template <typename T>
void run_unfused(Backend backend, int64_t tile_size, const GemmOperands<T>& op,
                 const Epilogue<T>& epilogue) {
  const auto& [a, b, c] = op;
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  auto product = [&](MatrixRef<T> out) {
    switch (backend) {
      case Backend::naive: return naive_gemm(a, b, out);
      case Backend::tiled: return tiled_gemm(a, b, out, tile_size);
      default: return blas_gemm(a, b, out);
    }
  };
  if (epilogue.trivial() && k > 0 && c.col_stride == 1 && (m == 1 || c.row_stride >= n)) {
    return product(c);
  }
  std::vector<T> scratch(static_cast<size_t>(m * n), T(0));
  MatrixRef<T> p{scratch.data(), m, n, n, 1};
  if (k > 0) product(p);
  apply_epilogue<T>({p.data, m, n, n, 1}, c, epilogue);
}

}  // namespace

template <typename T>
void run_gemm(Backend backend, int64_t tile_size, std::span<const GemmOperands<T>> batch,
              const Epilogue<T>& epilogue) {
  if (batch.empty()) return;
  const int64_t m = batch[0].a.rows, n = batch[0].b.cols, k = batch[0].a.cols;
  if (backend == Backend::automatic) {
    backend = k > 0 ? automatic_backend(m, n, k) : Backend::packed;
  }
  if (backend == Backend::packed) return packed_gemm<T>(batch, epilogue, num_threads());
  for (const GemmOperands<T>& op : batch) run_unfused(backend, tile_size, op, epilogue);
}

void run_gemm(Backend backend, std::span<const GemmOperands<BFloat16, float>> batch,
              const Epilogue<float>& epilogue) {
  if (bf16_backend("matmul", backend) == Backend::naive) {
    for (const auto& op : batch) naive_gemm_bf16(op.a, op.b, op.c, epilogue);
    return;
  }
  packed_gemm_bf16(batch, epilogue, num_threads());
}

template void run_gemm<float>(Backend, int64_t, std::span<const GemmOperands<float>>,
                              const Epilogue<float>&);
template void run_gemm<double>(Backend, int64_t, std::span<const GemmOperands<double>>,
                               const Epilogue<double>&);

}  // namespace tinyaccel::gemm
