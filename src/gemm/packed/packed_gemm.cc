// float32/float64 through the packed driver (driver.hpp): the flavour, the matrix-vector path for
// M = 1, and the choice of how A and B are read.
#include <algorithm>
#include <vector>

#include "gemm/packed/driver.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::gemm {
namespace {

template <typename T>
struct FloatFlavour {
  using A = T;
  using B = T;
  using C = T;
  using Epi = Epilogue<T>;
  using Config = GemmConfig<T>;
  static constexpr bool kSplitsK = true;
  static constexpr bool kHasGemv = true;

  static const Epilogue<T>& post(const Epi& e) { return e; }
  static bool reads_c(const Epi& e, bool first) { return !first || e.beta != T(0); }
  static void pack_b(const Config& cfg, MatrixRef<const T> block, void* dst) {
    gemm::pack_b<T>(block, cfg.nr, cfg.family->pack_b_columns, static_cast<T*>(dst));
  }
  static void prepare_a(const Config& cfg, MatrixRef<const T> block, AMode mode, void* dst,
                        int64_t ld) {
    T* out = static_cast<T*>(dst);
    if (mode == AMode::panels) {
      pack_a<T>(block, cfg.mr, out);
      return;
    }
    for (int64_t i = 0; i < block.rows; ++i) std::copy_n(&block(i, 0), block.cols, out + i * ld);
  }
  static void run_tile(const Config& cfg, const Epi& e, AMode mode, int rows, int64_t kc,
                       const void* a, int64_t lda, const void* b, int64_t ldb, T* c, int64_t ldc,
                       const TilePos& pos) {
    const GemmUkernel<T> kernel = mode == AMode::panels ? cfg.family->kernels[rows]
                                                        : cfg.family->direct_a_kernels[rows];
    kernel(kc, static_cast<const T*>(a), lda, static_cast<const T*>(b), ldb, c, ldc, e.alpha,
           pos.first ? e.beta : T(1));
  }

  // One row of C (M = 1, a matrix-vector product) over columns `cols`, starting on a gemv_nr
  // strip: y = A·B accumulated by the gemv kernel in a per-thread buffer, then the epilogue
  // (apply_epilogue, as for K = 0) into C. Nothing is packed: without a second row of A nothing
  // would reuse a packed B, and packing would add a copy of B to the one pass that bounds the
  // time. Columns past the last whole strip go through run_band.
  static void run_gemv(const Problem<FloatFlavour>& pr, const GemmPlan& plan, Span cols) {
    const UkernelFamily<T>& family = *pr.config->family;
    const int64_t width = cols.size() / family.gemv_nr * family.gemv_nr;
    if (width > 0) {
      T* y = t_b_buffer.get<T>(width);
      std::fill_n(y, width, T(0));
      family.gemv(pr.a.cols, pr.a.data, &pr.b(0, cols.begin), pr.b.row_stride, y, width);
      Epilogue<T> strip = *pr.epilogue;
      if (strip.bias) strip.bias += cols.begin;
      apply_epilogue<T>({y, 1, width, width, 1},
                        {&pr.c(0, cols.begin), 1, width, pr.c.row_stride, 1}, strip);
    }
    if (cols.begin + width < cols.end) run_band(pr, plan, {0, 1}, {cols.begin + width, cols.end});
  }
};

template <typename T>
FloatReads reads_of(const GemmOperands<T>& op, const GemmConfig<T>& cfg) {
  const auto& [a, b, c] = op;
  return float_reads(cfg, {a.rows, b.cols, a.cols, static_cast<int>(sizeof(T)), a.row_stride,
                           a.col_stride == 1, b.col_stride == 1, c.col_stride == 1,
                           cfg.family->gemv_nr});
}

}  // namespace

template <typename T>
void packed_gemm(std::span<const GemmOperands<T>> batch, const Epilogue<T>& epilogue,
                 int nthreads) {
  if (batch.empty()) return;
  const auto& [a0, b0, c0] = batch[0];
  const int64_t m = a0.rows, n = b0.cols, k = a0.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::vector<T> zeros(static_cast<size_t>(m * n), T(0));
    for (const GemmOperands<T>& op : batch) {
      apply_epilogue<T>({zeros.data(), m, n, n, 1}, op.c, epilogue);
    }
    return;
  }
  const GemmConfig<T>& cfg = active_gemm_config<T>();
  const FloatReads reads = reads_of(batch[0], cfg);
  std::vector<Problem<FloatFlavour<T>>> problems;
  problems.reserve(batch.size());
  for (const auto& [a, b, c] : batch) {
    problems.push_back({a, b, c, &epilogue, &cfg, reads.a_mode, reads.direct_b});
  }
  const GemmPlan plan =
      plan_gemm(cfg, m, n, k, reads.plan, static_cast<int64_t>(batch.size()), nthreads);
  run_batch(problems.data(), static_cast<int64_t>(problems.size()), plan);
}

template <typename T>
void packed_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c,
                 const Epilogue<T>& epilogue, int nthreads) {
  const GemmOperands<T> one{a, b, c};
  packed_gemm<T>(std::span<const GemmOperands<T>>(&one, 1), epilogue, nthreads);
}

template void packed_gemm<float>(std::span<const GemmOperands<float>>, const Epilogue<float>&,
                                 int);
template void packed_gemm<double>(std::span<const GemmOperands<double>>,
                                  const Epilogue<double>&, int);
template void packed_gemm<float>(MatrixRef<const float>, MatrixRef<const float>,
                                 MatrixRef<float>, const Epilogue<float>&, int);
template void packed_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                  MatrixRef<double>, const Epilogue<double>&, int);

}  // namespace tinyaccel::gemm
