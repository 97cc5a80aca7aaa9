// bfloat16 × bfloat16 → float32 through the packed driver (driver.hpp). Two kinds of kernel
// table entries: native dot products (bfloat16 rows of A read in place or copied, B packed in
// k pairs) and a float32 family on operands widened while they are prepared (every bfloat16 is
// exactly a float32, so the widened path is the float32 GEMM of the same values).
#include <algorithm>
#include <vector>

#include "gemm/packed/driver.hpp"
#include "gemm/packed/pack_lowp.hpp"

namespace tinyaccel::gemm {
namespace {

struct Bf16Flavour {
  using A = BFloat16;
  using B = BFloat16;
  using C = float;
  using Epi = Epilogue<float>;
  using Config = Bf16GemmConfig;
  static constexpr bool kSplitsK = true;
  static constexpr bool kHasGemv = false;

  static const Epilogue<float>& post(const Epi& e) { return e; }
  static bool reads_c(const Epi& e, bool first) { return !first || e.beta != 0.0f; }
  static void pack_b(const Config& cfg, MatrixRef<const BFloat16> block, void* dst) {
    if (cfg.native) {
      pack_b_grouped(block, cfg.nr, cfg.group, static_cast<BFloat16*>(dst), cfg.packers);
    } else {
      pack_b_grouped(block, cfg.nr, 1, static_cast<float*>(dst), cfg.packers);
    }
  }
  static void prepare_a(const Config& cfg, MatrixRef<const BFloat16> block, AMode, void* dst,
                        int64_t ld) {
    if (cfg.native) {
      copy_a_rows(block, cfg.group, static_cast<BFloat16*>(dst), ld);
    } else {
      copy_a_rows(block, 1, static_cast<float*>(dst), ld);
    }
  }
  static void run_tile(const Config& cfg, const Epi& e, AMode, int rows, int64_t kc,
                       const void* a, int64_t lda, const void* b, int64_t ldb, float* c,
                       int64_t ldc, const TilePos& pos) {
    const float beta = pos.first ? e.beta : 1.0f;
    if (cfg.native) {
      cfg.native->kernels[rows](kc, static_cast<const BFloat16*>(a), lda,
                                static_cast<const BFloat16*>(b), c, ldc, e.alpha, beta);
    } else {
      cfg.widened->direct_a_kernels[rows](kc, static_cast<const float*>(a), lda,
                                          static_cast<const float*>(b), ldb, c, ldc, e.alpha,
                                          beta);
    }
  }
};

}  // namespace

namespace {

Problem<Bf16Flavour> bf16_problem(const GemmOperands<BFloat16, float>& op,
                                  const Epilogue<float>& epilogue, const Bf16GemmConfig& cfg) {
  const auto& [a, b, c] = op;
  // Rows of A are read in place by the native kernels when contiguous and not aliasing in L1;
  // otherwise copied (and widened for the float32 family).
  const bool in_place = cfg.a_in_place && a.col_stride == 1 &&
                        !should_copy_a(a.row_stride * 2, a.rows, b.cols, cfg.nr);
  return {a, b, c, &epilogue, &cfg, in_place ? AMode::in_place : AMode::row_copy, false};
}

void run_bf16(std::span<const GemmOperands<BFloat16, float>> batch,
              const Epilogue<float>& epilogue, int nthreads, const Bf16GemmConfig& cfg) {
  if (batch.empty()) return;
  const int64_t m = batch[0].a.rows, n = batch[0].b.cols, k = batch[0].a.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::vector<float> zeros(static_cast<size_t>(m * n), 0.0f);
    for (const auto& op : batch) apply_epilogue<float>({zeros.data(), m, n, n, 1}, op.c, epilogue);
    return;
  }
  std::vector<Problem<Bf16Flavour>> problems;
  problems.reserve(batch.size());
  for (const auto& op : batch) problems.push_back(bf16_problem(op, epilogue, cfg));
  PlanReads reads;
  reads.prepares_a = problems[0].a_mode != AMode::in_place;
  reads.splits_k = true;
  const GemmPlan plan =
      plan_gemm(cfg, m, n, k, reads, static_cast<int64_t>(batch.size()), nthreads);
  run_batch(problems.data(), static_cast<int64_t>(problems.size()), plan);
}

}  // namespace

void packed_gemm_bf16(MatrixRef<const BFloat16> a, MatrixRef<const BFloat16> b,
                      MatrixRef<float> c, const Epilogue<float>& epilogue, int nthreads,
                      const Bf16GemmConfig* config) {
  const GemmOperands<BFloat16, float> one{a, b, c};
  run_bf16({&one, 1}, epilogue, nthreads, config ? *config : bf16_gemm_config(active_isa()));
}

void packed_gemm_bf16(std::span<const GemmOperands<BFloat16, float>> batch,
                      const Epilogue<float>& epilogue, int nthreads) {
  run_bf16(batch, epilogue, nthreads, bf16_gemm_config(active_isa()));
}

void naive_gemm_bf16(MatrixRef<const BFloat16> a, MatrixRef<const BFloat16> b,
                     MatrixRef<float> c, const Epilogue<float>& epilogue) {
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  std::vector<float> p(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t q = 0; q < k; ++q) {
        sum += static_cast<double>(to_float(a(i, q))) * static_cast<double>(to_float(b(q, j)));
      }
      p[i * n + j] = static_cast<float>(sum);
    }
  }
  apply_epilogue<float>({p.data(), m, n, n, 1}, c, epilogue);
}

}  // namespace tinyaccel::gemm
