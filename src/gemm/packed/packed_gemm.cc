// The Goto/BLIS packed GEMM driver with a fused epilogue. Loop nest, per thread:
//
//   pc: depth in blocks of KC
//     jc: columns in blocks of NC → pack B[pc, jc] into NR-column micro-panels (L2)
//       ir: MR rows → the A micro-panel, MR·KC: read in place, or copied / packed (L1)
//         jr: NR columns   (the B micro-panels stream from L2 past the A panel in L1)
//           micro-kernel: MR×NR tile of C += A panel · B panel
//
// This is BLIS's nest with the roles of A and B swapped, because C is row-major and our
// micro-kernels are wide in N (NR = 2 vectors) and short in M: the narrow operand (A, MR=12
// rows) is the one kept in L1, as BLIS keeps its narrow B micro-panel there.
// The first pc pass applies alpha and beta (beta == 0: C is only written), later passes add to
// C; after the last pass the bias + activation epilogue runs on the row panel's NC columns while
// they are still in cache.
//
// Threads: the output is split into disjoint bands of whole micro-tiles, columns (multiples of
// NR) or rows (multiples of MR). Each thread runs the whole nest on its band with its own
// packing buffers: no barriers, no shared writes, nothing for a slow thread to hold up on a
// busy 2-core machine. When A is read in place (the usual row-major case) a column split
// duplicates nothing: each thread packs only its own columns of B and both read A from L3.
// When A must be packed into panels, a row split (if M has two MR panels per thread) keeps each
// thread packing only its own rows of A; the duplicated B packing costs K·N copies against
// M·N·K/threads FMAs.
// Each element's arithmetic is independent of the band it falls in, so the result is the same
// for every thread count. Problems under kParallelMinFlops run on one thread.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "core/parallel.hpp"
#include "elementwise/activation_kernels.hpp"
#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/pack.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::gemm {
namespace {

// Below 2^18 FLOPs (≈ 2 µs on one Zen 4 core) the pool's hand-off (≈ 0.3 µs when its workers
// are polling) and the halved tiles cost more than the second core gains; from 64³ (2^19) up
// two threads measured 1.4× one, and a GEMV gains from the second core's bandwidth.
constexpr int64_t kParallelMinFlops = int64_t{1} << 18;

// A per-thread, grow-only, 64-byte aligned scratch buffer (pool threads are persistent, so the
// packing buffers are allocated once per thread, not once per call).
class Scratch {
 public:
  template <typename T>
  T* get(int64_t count) {
    const size_t bytes = static_cast<size_t>(count) * sizeof(T);
    if (bytes > capacity_) {
      const size_t rounded = (bytes + 63) / 64 * 64;
      data_.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
      if (!data_) throw AllocationError("packed GEMM: cannot allocate its packing buffer");
      capacity_ = rounded;
    }
    return reinterpret_cast<T*>(data_.get());
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data_;
  size_t capacity_ = 0;
};

thread_local Scratch t_a_buffer, t_b_buffer;

// How the micro-kernels see A.
enum class AMode {
  in_place,   // rows of A read where they are (unit column stride, harmless row stride)
  row_copy,   // rows copied to a buffer with a row stride that does not alias in L1
  panels,     // packed MR-row micro-panels (A with a non-unit column stride)
};

template <typename T>
struct Problem {
  MatrixRef<const T> a, b;
  MatrixRef<T> c;
  const Epilogue<T>* epilogue;
  const GemmConfig<T>* config;
  AMode a_mode;
  bool direct_b;  // B rows are contiguous and reused by few A panels: read B unpacked
};

// The bias + activation epilogue on rows [i0, i0 + rows), columns [j0, j0 + cols) of C, run
// once per row panel and column block (up to NC columns a call) while they are still in L1/L2:
// one call per micro-tile row paid the kernel dispatch for every 32 columns (an A/B at
// 512×768×3072 with a bias: 2% of the GEMM).
template <typename T>
void finish_rows(const Problem<T>& pr, int64_t i0, int64_t rows, int64_t j0, int64_t cols) {
  const Epilogue<T>& e = *pr.epilogue;
  if (e.bias == nullptr && e.act == Activation::none) return;
  const T* bias = e.bias ? e.bias + j0 : nullptr;
  if (pr.c.col_stride == 1) {
    for (int64_t i = 0; i < rows; ++i) {
      elementwise::bias_activation_inplace(e.act, &pr.c(i0 + i, j0), bias, cols);
    }
    return;
  }
  constexpr int64_t kChunk = 256;
  T row[kChunk];
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j0c = 0; j0c < cols; j0c += kChunk) {
      const int64_t w = std::min(kChunk, cols - j0c);
      for (int64_t j = 0; j < w; ++j) row[j] = pr.c(i0 + i, j0 + j0c + j);
      elementwise::bias_activation_inplace(e.act, row, bias ? bias + j0c : nullptr, w);
      for (int64_t j = 0; j < w; ++j) pr.c(i0 + i, j0 + j0c + j) = row[j];
    }
  }
}

// One band of C: rows [m0, m1), columns [n0, n1); both start on a micro-tile boundary.
template <typename T>
void run_band(const Problem<T>& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const GemmConfig<T>& cfg = *pr.config;
  const int mr = cfg.family->mr, nr = cfg.family->nr;
  const int64_t k = pr.a.cols;
  const Epilogue<T>& e = *pr.epilogue;
  // K is cut into equal passes (rounded up to 8) rather than KC, KC, …, remainder: a thin last
  // pass would pay the C tile's load and store for little work. K up to 1.5·KC runs as one
  // pass: at K = 768 (a transformer's width) one pass of 768 measured 4–6% faster than two of
  // 384 (float32, Zen 4, 2 threads), each C tile loaded and stored once instead of twice.
  const int64_t passes = k <= cfg.kc * 3 / 2 ? 1 : (k + cfg.kc - 1) / cfg.kc;
  const int64_t kc_step = std::min(k, ((k + passes - 1) / passes + 7) / 8 * 8);
  const int64_t nc_block = cfg.nc_for(kc_step);
  const int64_t nc_max = std::min(nc_block, (n1 - n0 + nr - 1) / nr * nr);
  // Row-copy stride: kc rounded up to 16 values plus 16, so it is never a multiple of 2 KiB.
  const int64_t lda_copy = (kc_step + 15) / 16 * 16 + 16;
  T* a_pack = pr.a_mode == AMode::in_place ? nullptr : t_a_buffer.get<T>(mr * lda_copy);
  T* b_pack = t_b_buffer.get<T>(nc_max * kc_step);
  alignas(64) T tile[kMaxMr * 64];

  for (int64_t pc = 0; pc < k; pc += kc_step) {
    const int64_t kc = std::min(kc_step, k - pc);
    const bool first = pc == 0, last = pc + kc == k;
    const T beta = first ? e.beta : T(1);
    for (int64_t jc = n0; jc < n1; jc += nc_block) {
      const int64_t nc = std::min(nc_block, n1 - jc);
      const int64_t full = pr.direct_b ? nc / nr * nr : 0;  // columns read unpacked
      if (full < nc) {
        pack_b<T>({&pr.b(pc, jc + full), kc, nc - full, pr.b.row_stride, pr.b.col_stride}, nr,
                  cfg.family->pack_b_columns, b_pack);
      }
      // The next block's source is fetched across this block's micro-kernel calls.
      PrefetchCursor next_b;
      if (!pr.direct_b) {
        int64_t next_pc = pc, next_jc = jc + nc_block;
        if (next_jc >= n1) next_pc += kc_step, next_jc = n0;
        if (next_pc < k) {
          const int64_t calls = (m1 - m0 + mr - 1) / mr * ((nc + nr - 1) / nr);
          next_b = PrefetchCursor(
              MatrixRef<const T>{&pr.b(next_pc, next_jc), std::min(kc_step, k - next_pc),
                                 std::min(nc_block, n1 - next_jc), pr.b.row_stride,
                                 pr.b.col_stride},
              calls);
        }
      }
      for (int64_t i0 = m0; i0 < m1; i0 += mr) {
        const int rows = static_cast<int>(std::min<int64_t>(mr, m1 - i0));
        // The A micro-panel is prepared here, one at a time, rather than as an MC block: it is
        // the only part of A the jr loop reuses, and a 12 × KC panel stays in L1 where a block
        // would crowd the packed B block out of L2. Re-preparing it for every NC block of
        // columns costs MR·KC copies per MR·NC·KC FMAs.
        GemmUkernel<T> kernel = cfg.family->direct_a_kernels[rows];
        const T* a_panel = &pr.a(i0, pc);
        int64_t lda = pr.a.row_stride;
        if (pr.a_mode == AMode::panels) {
          pack_a<T>({a_panel, rows, kc, pr.a.row_stride, pr.a.col_stride}, mr, a_pack);
          kernel = cfg.family->kernels[rows];
          a_panel = a_pack;
        } else if (pr.a_mode == AMode::row_copy) {
          for (int i = 0; i < rows; ++i) std::copy_n(&pr.a(i0 + i, pc), kc, a_pack + i * lda_copy);
          a_panel = a_pack;
          lda = lda_copy;
        }
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = std::min<int64_t>(nr, nc - jr);
          const T* b_panel;
          int64_t ldb;
          if (jr < full) {
            b_panel = &pr.b(pc, jc + jr);
            ldb = pr.b.row_stride;
          } else {
            b_panel = b_pack + (jr - full) * kc;
            ldb = nr;
          }
          const int64_t j0 = jc + jr;
          next_b.step();
          if (cols == nr && pr.c.col_stride == 1) {
            // The kernel reads and writes its C tile only after its k loop: fetching the tile
            // now (C of a large problem lives in L3 or DRAM) overlaps the misses with the FMAs.
            // Issued here rather than in the kernel, whose registers are all spoken for.
            for (int i = 0; i < rows; ++i) {
              for (int j = 0; j < nr; j += 64 / static_cast<int>(sizeof(T))) {
                __builtin_prefetch(&pr.c(i0 + i, j0 + j), 1, 3);
              }
            }
            kernel(kc, a_panel, lda, b_panel, ldb, &pr.c(i0, j0), pr.c.row_stride, e.alpha, beta);
          } else {
            kernel(kc, a_panel, lda, b_panel, ldb, tile, nr, e.alpha, T(0));
            for (int i = 0; i < rows; ++i) {
              for (int64_t j = 0; j < cols; ++j) {
                T& out = pr.c(i0 + i, j0 + j);
                out = beta == T(0) ? tile[i * nr + j] : beta * out + tile[i * nr + j];
              }
            }
          }
        }
        if (last) finish_rows(pr, i0, rows, jc, nc);
      }
    }
  }
}

// One row of C (M = 1, a matrix-vector product) over columns [n0, n1), n0 a multiple of
// gemv_nr: y = A·B accumulated by the gemv kernel in a per-thread buffer, then the epilogue
// (apply_epilogue, as for K = 0) into C. Nothing is packed: without a second row of A nothing
// would reuse a packed B, and packing would add a copy of B to the one pass that bounds the
// time. Columns past the last whole gemv_nr strip go through run_band.
template <typename T>
void run_gemv(const Problem<T>& pr, int64_t n0, int64_t n1) {
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
  const int mr = cfg.family->mr, nr = cfg.family->nr;
  // B is read unpacked when its rows are contiguous and either few A panels reuse it (packing
  // would cost as much as the one pass it serves) or the whole of B fits in half of L2.
  const int64_t b_bytes = k * n * static_cast<int64_t>(sizeof(T));
  const bool direct_b =
      b.col_stride == 1 && (m <= 2 * mr || b_bytes <= cfg.l2_bytes / 2);
  // A is read in place when its rows are contiguous: the kernels' broadcasts then walk MR rows
  // of A, each sequentially, instead of one packed panel (the same bytes, so the same L1 reuse
  // across the jr loop), and the O(M·K) packing pass disappears.
  // Not when the row stride is a multiple of 2 KiB, though: Zen 4's (and most) L1d is 64 sets ×
  // 8 ways of 64 B, so rows 2 KiB apart share 2 sets (4 KiB apart, 1 set) and 12 rows in flight
  // evict each other every k step. Such rows are copied (a plain row copy, far cheaper than
  // panel packing) to a buffer with a harmless stride, unless the panel serves at most two
  // NR-wide column panels. A with a non-unit column stride is packed into micro-panels.
  const bool aliasing_rows = (a.row_stride * static_cast<int64_t>(sizeof(T))) % 2048 == 0;
  AMode a_mode = AMode::panels;
  if (a.col_stride == 1) {
    a_mode = aliasing_rows && m > 1 && n > 2 * nr ? AMode::row_copy : AMode::in_place;
  }
  const Problem<T> pr{a, b, c, &epilogue, &cfg, a_mode, direct_b};

  int nt = 2 * m * n * k < kParallelMinFlops ? 1 : std::max(1, nthreads);
  if (m == 1 && a.col_stride == 1 && b.col_stride == 1 && c.col_stride == 1) {
    // Threads take whole gemv strips, so every column's arithmetic is the same for any count.
    const int64_t strip = cfg.family->gemv_nr, strips = (n + strip - 1) / strip;
    nt = static_cast<int>(std::min<int64_t>(nt, strips));
    parallel_run(nt, [&](int tid, int nthr) {
      run_gemv(pr, strips * tid / nthr * strip, std::min(n, strips * (tid + 1) / nthr * strip));
    });
    return;
  }
  const int64_t m_panels = (m + mr - 1) / mr, n_panels = (n + nr - 1) / nr;
  // Columns when A is read in place (each thread then packs only its own part of B and nothing
  // is done twice); rows when A is packed into panels and M is tall enough.
  const bool columns_ok = n_panels >= 2 * nt;
  const bool split_rows = m_panels >= 2 * nt && !(a_mode != AMode::panels && columns_ok);
  nt = static_cast<int>(std::min<int64_t>(nt, split_rows ? m_panels : n_panels));
  if (nt <= 1) {
    run_band(pr, 0, m, 0, n);
    return;
  }
  parallel_run(nt, [&](int tid, int nthr) {
    const int64_t panels = split_rows ? m_panels : n_panels;
    const int64_t p0 = panels * tid / nthr, p1 = panels * (tid + 1) / nthr;
    if (split_rows) {
      run_band(pr, p0 * mr, std::min(m, p1 * mr), 0, n);
    } else {
      run_band(pr, 0, m, p0 * nr, std::min(n, p1 * nr));
    }
  });
}

template void packed_gemm<float>(MatrixRef<const float>, MatrixRef<const float>,
                                 MatrixRef<float>, const Epilogue<float>&, int);
template void packed_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                  MatrixRef<double>, const Epilogue<double>&, int);

}  // namespace tinyaccel::gemm
