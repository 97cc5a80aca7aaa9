// What the packed driver's units share: one problem as the micro-kernels see it, the plan it runs
// under, and the per-thread packing buffers.
//
// A flavour F says what differs between element types (packed_gemm.cc, bf16_gemm.cc,
// qs8_gemm.cc):
//   A, B, C, Epi, Config     operand types, the epilogue, the kernel table entry (a Blocking)
//   kSplitsK                 whether K partials may be summed afterwards (Epi is Epilogue<C>)
//   post(epi)                the bias + activation part of the epilogue (Epilogue<C>)
//   pack_b(cfg, block, dst)  a kc × nc block of B into micro-panels
//   prepare_a(cfg, block, mode, dst, ld)   rows × kc of A as panels or rows with stride ld
//   reads_c(epi, first)      whether the kernel reads C on this pass
//   run_tile(cfg, epi, mode, rows, kc, a, lda, b, ldb, c, ldc, tile)   one micro-kernel call
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "tinyaccel/errors.hpp"

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

// Whether A rows of `row_bytes` apart are better copied than read in place: a typical L1d is 64
// sets × 8 ways of 64 B, so rows 2 KiB apart share 2 sets (4 KiB apart, 1 set) and 12 rows in
// flight evict each other every k step. A plain row copy with a harmless stride is far cheaper
// than that, unless the panel serves at most two NR-wide column panels.
inline bool should_copy_a(int64_t row_bytes, int64_t m, int64_t n, int nr) {
  return row_bytes % 2048 == 0 && m > 1 && n > 2 * nr;
}

}  // namespace tinyaccel::gemm
