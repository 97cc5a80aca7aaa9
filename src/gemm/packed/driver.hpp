// The Goto/BLIS packed GEMM driver with a fused epilogue, shared by every element type. Loop nest,
// per thread:
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
// they are still in cache. (int8 keeps its partial sums in C as int32 and dequantizes on the
// last pass.)
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
// for every thread count.
//
// What differs between element types is a flavour F (packed_gemm.cc, bf16_gemm.cc,
// qs8_gemm.cc):
//   A, B, C, Epi, Config     operand types, the epilogue, the kernel table entry (a Blocking)
//   post(epi)                the bias + activation part of the epilogue (Epilogue<C>)
//   pack_b(cfg, block, dst)  a kc × nc block of B into micro-panels
//   prepare_a(cfg, block, mode, dst, ld)   rows × kc of A as panels or rows with stride ld
//   reads_c(epi, first)      whether the kernel reads C on this pass
//   run_tile(cfg, epi, mode, rows, kc, a, lda, b, ldb, c, ldc, tile)   one micro-kernel call
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "core/parallel.hpp"
#include "elementwise/activation_kernels.hpp"
#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/pack.hpp"

namespace tinyaccel::gemm {

// A per-thread, grow-only, 64-byte aligned scratch buffer (pool threads are persistent, so the
// packing buffers are allocated once per thread, not once per call).
class Scratch {
 public:
  void* get(int64_t bytes) {
    if (static_cast<size_t>(bytes) > capacity_) {
      const size_t rounded = (static_cast<size_t>(bytes) + 63) / 64 * 64;
      data_.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
      if (!data_) throw AllocationError("packed GEMM: cannot allocate its packing buffer");
      capacity_ = rounded;
    }
    return data_.get();
  }
  template <typename T>
  T* get(int64_t count) {
    return static_cast<T*>(get(count * static_cast<int64_t>(sizeof(T))));
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data_;
  size_t capacity_ = 0;
};

inline thread_local Scratch t_a_buffer, t_b_buffer;

// How the micro-kernels see A.
enum class AMode {
  in_place,   // rows of A read where they are (unit column stride, harmless row stride)
  row_copy,   // rows copied (and widened where the kernels need it) to a buffer whose row
              // stride does not alias in L1
  panels,     // packed MR-row micro-panels (float A with a non-unit column stride)
};

// Where a tile sits and which K pass it is on.
struct TilePos {
  int64_t i0 = 0, j0 = 0;
  int cols = 0;  // columns of C the tile covers (< NR at the right edge)
  bool first = false, last = false;
};

template <typename F>
struct Problem {
  MatrixRef<const typename F::A> a;
  MatrixRef<const typename F::B> b;
  MatrixRef<typename F::C> c;
  const typename F::Epi* epilogue;
  const typename F::Config* config;
  AMode a_mode;
  bool direct_b;  // B rows are contiguous and reused by few A panels: read B unpacked
};

// Row stride, in elements of `bytes` each, of a copy of rows `depth` long: whole cache lines
// plus one, and never a multiple of 2 KiB (rows 2 KiB apart share L1 sets, see should_copy_a).
inline int64_t copy_stride(int64_t depth, int bytes) {
  int64_t stride = (depth * bytes + 63) / 64 * 64 + 64;
  if (stride % 2048 == 0) stride += 64;
  return stride / bytes;
}

// Whether A rows of `row_bytes` apart are better copied than read in place: Zen 4's (and most)
// L1d is 64 sets × 8 ways of 64 B, so rows 2 KiB apart share 2 sets (4 KiB apart, 1 set) and 12
// rows in flight evict each other every k step. A plain row copy with a harmless stride is far
// cheaper than that, unless the panel serves at most two NR-wide column panels.
inline bool should_copy_a(int64_t row_bytes, int64_t m, int64_t n, int nr) {
  return row_bytes % 2048 == 0 && m > 1 && n > 2 * nr;
}

// The bias + activation epilogue on rows [i0, i0 + rows), columns [j0, j0 + cols) of C, run
// once per row panel and column block (up to NC columns a call) while they are still in L1/L2:
// one call per micro-tile row paid the kernel dispatch for every 32 columns (an A/B at
// 512×768×3072 with a bias: 2% of the GEMM).
template <typename T>
void finish_rows(MatrixRef<T> c, const Epilogue<T>& e, int64_t i0, int64_t rows, int64_t j0,
                 int64_t cols) {
  if (e.bias == nullptr && e.act == Activation::none) return;
  const T* bias = e.bias ? e.bias + j0 : nullptr;
  if (c.col_stride == 1) {
    for (int64_t i = 0; i < rows; ++i) {
      elementwise::bias_activation_inplace(e.act, &c(i0 + i, j0), bias, cols);
    }
    return;
  }
  constexpr int64_t kChunk = 256;
  T row[kChunk];
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j0c = 0; j0c < cols; j0c += kChunk) {
      const int64_t w = std::min(kChunk, cols - j0c);
      for (int64_t j = 0; j < w; ++j) row[j] = c(i0 + i, j0 + j0c + j);
      elementwise::bias_activation_inplace(e.act, row, bias ? bias + j0c : nullptr, w);
      for (int64_t j = 0; j < w; ++j) c(i0 + i, j0 + j0c + j) = row[j];
    }
  }
}

// Copies rows × cols elements between C and a tile buffer with row stride ld as raw bytes (an
// int8 pass keeps int32 bit patterns in C's float32 storage).
template <typename T>
void copy_tile(MatrixRef<T> c, int64_t i0, int64_t j0, int rows, int cols, T* tile, int64_t ld,
               bool to_tile) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      T* at = &c(i0 + i, j0 + j);
      if (to_tile) {
        std::memcpy(tile + i * ld + j, at, sizeof(T));
      } else {
        std::memcpy(at, tile + i * ld + j, sizeof(T));
      }
    }
  }
}

// One band of C: rows [m0, m1), columns [n0, n1); both start on a micro-tile boundary.
template <typename F>
void run_band(const Problem<F>& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  using A = typename F::A;
  using B = typename F::B;
  using C = typename F::C;
  const auto& cfg = *pr.config;
  const int mr = cfg.mr, nr = cfg.nr;
  const int64_t k = pr.a.cols;
  const auto& e = *pr.epilogue;
  // K is cut into equal passes (rounded up to 8) rather than KC, KC, …, remainder: a thin last
  // pass would pay the C tile's load and store for little work. K up to 1.5·KC runs as one
  // pass: at K = 768 (a transformer's width) one pass of 768 measured 4–6% faster than two of
  // 384 (float32, Zen 4, 2 threads), each C tile loaded and stored once instead of twice.
  const int64_t passes = k <= cfg.kc * 3 / 2 ? 1 : (k + cfg.kc - 1) / cfg.kc;
  const int64_t kc_step = std::min(k, ((k + passes - 1) / passes + 7) / 8 * 8);
  const int64_t nc_block = cfg.nc_for(kc_step);
  const int64_t nc_max = std::min(nc_block, (n1 - n0 + nr - 1) / nr * nr);
  const int64_t lda_copy = copy_stride((kc_step + cfg.group - 1) / cfg.group * cfg.group,
                                       cfg.a_bytes);
  char* a_pack = pr.a_mode == AMode::in_place
                     ? nullptr
                     : static_cast<char*>(t_a_buffer.get(mr * lda_copy * cfg.a_bytes));
  char* b_pack = static_cast<char*>(t_b_buffer.get(nc_max / nr * cfg.b_panel_bytes(kc_step)));
  alignas(64) C tile[kMaxMr * 64];

  for (int64_t pc = 0; pc < k; pc += kc_step) {
    const int64_t kc = std::min(kc_step, k - pc);
    const int64_t panel_bytes = cfg.b_panel_bytes(kc);
    TilePos pos;
    pos.first = pc == 0;
    pos.last = pc + kc == k;
    const bool reads_c = F::reads_c(e, pos.first);
    for (int64_t jc = n0; jc < n1; jc += nc_block) {
      const int64_t nc = std::min(nc_block, n1 - jc);
      const int64_t full = pr.direct_b ? nc / nr * nr : 0;  // columns read unpacked
      if (full < nc) {
        F::pack_b(cfg, {&pr.b(pc, jc + full), kc, nc - full, pr.b.row_stride, pr.b.col_stride},
                  b_pack);
      }
      // The next block's source is fetched across this block's micro-kernel calls.
      PrefetchCursor next_b;
      if (!pr.direct_b) {
        int64_t next_pc = pc, next_jc = jc + nc_block;
        if (next_jc >= n1) next_pc += kc_step, next_jc = n0;
        if (next_pc < k) {
          const int64_t calls = (m1 - m0 + mr - 1) / mr * ((nc + nr - 1) / nr);
          next_b = PrefetchCursor(
              MatrixRef<const B>{&pr.b(next_pc, next_jc), std::min(kc_step, k - next_pc),
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
        const void* a_panel = &pr.a(i0, pc);
        int64_t lda = pr.a.row_stride;
        if (pr.a_mode != AMode::in_place) {
          F::prepare_a(cfg, MatrixRef<const A>{&pr.a(i0, pc), rows, kc, pr.a.row_stride,
                                               pr.a.col_stride},
                       pr.a_mode, a_pack, lda_copy);
          a_panel = a_pack;
          lda = lda_copy;
        }
        pos.i0 = i0;
        for (int64_t jr = 0; jr < nc; jr += nr) {
          pos.cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          pos.j0 = jc + jr;
          const void* b_panel;
          int64_t ldb;
          if (jr < full) {
            b_panel = &pr.b(pc, jc + jr);
            ldb = pr.b.row_stride;
          } else {
            b_panel = b_pack + (jr - full) / nr * panel_bytes;
            ldb = nr;
          }
          next_b.step();
          if (pos.cols == nr && pr.c.col_stride == 1) {
            // The kernel reads and writes its C tile only after its k loop: fetching the tile
            // now (C of a large problem lives in L3 or DRAM) overlaps the misses with the FMAs.
            // Issued here rather than in the kernel, whose registers are all spoken for.
            for (int i = 0; i < rows; ++i) {
              for (int j = 0; j < nr; j += 64 / static_cast<int>(sizeof(C))) {
                __builtin_prefetch(&pr.c(i0 + i, pos.j0 + j), 1, 3);
              }
            }
            F::run_tile(cfg, e, pr.a_mode, rows, kc, a_panel, lda, b_panel, ldb,
                        &pr.c(i0, pos.j0), pr.c.row_stride, pos);
          } else {
            // Edge or strided C: the kernel runs on a full-width tile buffer, C's part of it
            // copied in when the kernel reads C and copied back after.
            if (reads_c) copy_tile(pr.c, i0, pos.j0, rows, pos.cols, tile, nr, true);
            F::run_tile(cfg, e, pr.a_mode, rows, kc, a_panel, lda, b_panel, ldb, tile, nr, pos);
            copy_tile(pr.c, i0, pos.j0, rows, pos.cols, tile, nr, false);
          }
        }
        if (pos.last) finish_rows(pr.c, F::post(e), i0, rows, jc, nc);
      }
    }
  }
}

// Splits C into bands and runs them: columns when A is read in place (each thread then packs
// only its own part of B and nothing is done twice); rows when A is packed or copied and M is
// tall enough.
template <typename F>
void run_bands(const Problem<F>& pr, int nthreads) {
  const int64_t m = pr.a.rows, n = pr.b.cols;
  const int mr = pr.config->mr, nr = pr.config->nr;
  const int64_t m_panels = (m + mr - 1) / mr, n_panels = (n + nr - 1) / nr;
  int nt = nthreads;
  const bool columns_ok = n_panels >= 2 * nt;
  const bool split_rows = m_panels >= 2 * nt && !(pr.a_mode != AMode::panels && columns_ok);
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

// Below 2^18 FLOPs (≈ 2 µs on one Zen 4 core) the pool's hand-off (≈ 0.3 µs when its workers
// are polling) and the halved tiles cost more than the second core gains; from 64³ (2^19) up
// two threads measured 1.4× one, and a GEMV gains from the second core's bandwidth.
inline int threads_for_flops(int64_t m, int64_t n, int64_t k, int nthreads) {
  constexpr int64_t kParallelMinFlops = int64_t{1} << 18;
  return 2 * m * n * k < kParallelMinFlops ? 1 : std::max(1, nthreads);
}

}  // namespace tinyaccel::gemm
