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
};

// One row of C (M = 1, a matrix-vector product) over columns [n0, n1), n0 a multiple of
// gemv_nr: y = A·B accumulated by the gemv kernel in a per-thread buffer, then the epilogue
// (apply_epilogue, as for K = 0) into C. Nothing is packed: without a second row of A nothing
// would reuse a packed B, and packing would add a copy of B to the one pass that bounds the
// time. Columns past the last whole gemv_nr strip go through run_band.
template <typename T>
void run_gemv(const Problem<FloatFlavour<T>>& pr, int64_t n0, int64_t n1) {
  const UkernelFamily<T>& family = *pr.config->family;
  const int64_t width = (n1 - n0) / family.gemv_nr * family.gemv_nr;
  if (width > 0) {
    T* y = t_b_buffer.get<T>(width);
    std::fill_n(y, width, T(0));
    family.gemv(pr.a.cols, pr.a.data, &pr.b(0, n0), pr.b.row_stride, y, width);
    Epilogue<T> strip = *pr.epilogue;
    if (strip.bias) strip.bias += n0;
    apply_epilogue<T>({y, 1, width, width, 1}, {&pr.c(0, n0), 1, width, pr.c.row_stride, 1},
                      strip);
  }
  if (n0 + width < n1) run_band(pr, 0, 1, n0 + width, n1);
}

}  // namespace

template <typename T>
void packed_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c,
                 const Epilogue<T>& epilogue, int nthreads) {
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::vector<T> zeros(static_cast<size_t>(m * n), T(0));
    apply_epilogue<T>({zeros.data(), m, n, n, 1}, c, epilogue);
    return;
  }
  const GemmConfig<T>& cfg = active_gemm_config<T>();
  const int mr = cfg.mr, nr = cfg.nr;
  // B is read unpacked when its rows are contiguous and either few A panels reuse it (packing
  // would cost as much as the one pass it serves) or the whole of B fits in half of L2.
  const int64_t b_bytes = k * n * static_cast<int64_t>(sizeof(T));
  const bool direct_b =
      b.col_stride == 1 && (m <= 2 * mr || b_bytes <= cfg.l2_bytes / 2);
  // A is read in place when its rows are contiguous: the kernels' broadcasts then walk MR rows
  // of A, each sequentially, instead of one packed panel (the same bytes, so the same L1 reuse
  // across the jr loop), and the O(M·K) packing pass disappears; rows that alias in L1 are
  // copied (should_copy_a). A with a non-unit column stride is packed into micro-panels.
  AMode a_mode = AMode::panels;
  if (a.col_stride == 1) {
    const bool copy = should_copy_a(a.row_stride * static_cast<int64_t>(sizeof(T)), m, n, nr);
    a_mode = copy ? AMode::row_copy : AMode::in_place;
  }
  const Problem<FloatFlavour<T>> pr{a, b, c, &epilogue, &cfg, a_mode, direct_b};

  int nt = threads_for_flops(m, n, k, nthreads);
  if (m == 1 && a.col_stride == 1 && b.col_stride == 1 && c.col_stride == 1) {
    // Threads take whole gemv strips, so every column's arithmetic is the same for any count.
    const int64_t strip = cfg.family->gemv_nr, strips = (n + strip - 1) / strip;
    nt = static_cast<int>(std::min<int64_t>(nt, strips));
    parallel_run(nt, [&](int tid, int nthr) {
      run_gemv(pr, strips * tid / nthr * strip, std::min(n, strips * (tid + 1) / nthr * strip));
    });
    return;
  }
  run_bands(pr, nt);
}

template void packed_gemm<float>(MatrixRef<const float>, MatrixRef<const float>,
                                 MatrixRef<float>, const Epilogue<float>&, int);
template void packed_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                  MatrixRef<double>, const Epilogue<double>&, int);

}  // namespace tinyaccel::gemm
