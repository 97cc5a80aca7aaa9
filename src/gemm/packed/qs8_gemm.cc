// uint8 × int8 → int32 → float32 through the packed driver (driver.hpp): the flavour and its
// reference. Partial sums of the K passes stay in C as int32 bit patterns (C's float32 storage
// has the same size); the last pass adds the zero-point term and dequantizes.
#include <algorithm>
#include <vector>

#include "gemm/packed/driver.hpp"
#include "gemm/packed/pack_lowp.hpp"

namespace tinyaccel::gemm {
namespace {

struct QFlavourEpilogue {
  const float* row_scale;
  const float* col_scale;
  const int32_t* comp;  // -zero_point · col_sums[j]
  Epilogue<float> post;
};

struct QFlavour {
  using A = uint8_t;
  using B = int8_t;
  using C = float;
  using Epi = QFlavourEpilogue;
  using Config = QGemmConfig;
  // The last pass dequantizes the whole int32 sum: K is never split.
  static constexpr bool kSplitsK = false;
  static constexpr bool kHasGemv = false;

  static const Epilogue<float>& post(const Epi& e) { return e.post; }
  static bool reads_c(const Epi&, bool first) { return !first; }
  static void pack_b(const Config& cfg, MatrixRef<const int8_t> block, void* dst) {
    if (cfg.b_bytes == 1) {
      pack_b_grouped(block, cfg.nr, cfg.group, static_cast<int8_t*>(dst), cfg.packers);
    } else {
      pack_b_grouped(block, cfg.nr, cfg.group, static_cast<int16_t*>(dst), cfg.packers);
    }
  }
  static void prepare_a(const Config& cfg, MatrixRef<const uint8_t> block, AMode, void* dst,
                        int64_t ld) {
    if (cfg.a_bytes == 1) {
      copy_a_rows(block, cfg.group, static_cast<uint8_t*>(dst), ld);
    } else {
      copy_a_rows(block, cfg.group, static_cast<int16_t*>(dst), ld);
    }
  }
  static void run_tile(const Config& cfg, const Epi& e, AMode, int rows, int64_t kc,
                       const void* a, int64_t lda, const void* b, int64_t, float* c,
                       int64_t ldc, const TilePos& pos) {
    QTile t;
    t.accumulate = !pos.first;
    t.finish = pos.last;
    t.row_scale = e.row_scale + pos.i0;
    t.comp = e.comp + pos.j0;
    t.col_scale = e.col_scale + pos.j0;
    // At the right edge the kernel still reads NR column values: pad them.
    alignas(64) int32_t comp[64] = {};
    alignas(64) float scale[64] = {};
    if (pos.cols < cfg.nr) {
      std::copy_n(t.comp, pos.cols, comp);
      std::copy_n(t.col_scale, pos.cols, scale);
      t.comp = comp;
      t.col_scale = scale;
    }
    cfg.family->kernels[rows](kc, a, lda, b, c, ldc, t);
  }
};

}  // namespace

void packed_qgemm(MatrixRef<const uint8_t> a, MatrixRef<const int8_t> b, MatrixRef<float> c,
                  const QEpilogue& epilogue, int nthreads, const QGemmConfig* config) {
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  if (m == 0 || n == 0) return;
  std::vector<int32_t> comp(static_cast<size_t>(n));
  // Modulo 2^32 like the kernels' sums: acc + comp is exact whenever the true total fits.
  for (int64_t j = 0; j < n; ++j) {
    const int64_t c = -int64_t{epilogue.zero_point} * epilogue.col_sums[j];
    comp[j] = static_cast<int32_t>(static_cast<uint32_t>(c));
  }
  if (k == 0) {
    std::vector<float> zeros(static_cast<size_t>(m * n), 0.0f);
    apply_epilogue<float>({zeros.data(), m, n, n, 1}, c, epilogue.post);
    return;
  }
  const QGemmConfig& cfg = config ? *config : qgemm_config(active_isa());
  const bool in_place = cfg.family->a_in_place && a.col_stride == 1 &&
                        !should_copy_a(a.row_stride, m, n, cfg.nr);
  const QFlavourEpilogue e{epilogue.row_scale, epilogue.col_scale, comp.data(), epilogue.post};
  const Problem<QFlavour> pr{a, b, c, &e, &cfg,
                             in_place ? AMode::in_place : AMode::row_copy, false};
  PlanReads reads;
  reads.prepares_a = !in_place;
  run_plan(pr, plan_gemm(cfg, m, n, k, reads, 1, nthreads));
}

void naive_qgemm(MatrixRef<const uint8_t> a, MatrixRef<const int8_t> b, MatrixRef<float> c,
                 const QEpilogue& epilogue) {
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  std::vector<float> p(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t q = 0; q < k; ++q) sum += int64_t{a(i, q)} * int64_t{b(q, j)};
      sum -= int64_t{epilogue.zero_point} * epilogue.col_sums[j];
      const float scale = epilogue.row_scale[i] * epilogue.col_scale[j];
      p[i * n + j] = static_cast<float>(static_cast<int32_t>(sum)) * scale;
    }
  }
  apply_epilogue<float>({p.data(), m, n, n, 1}, c, epilogue.post);
}

}  // namespace tinyaccel::gemm
