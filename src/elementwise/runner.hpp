// How the element-wise front ends split work: the fused runner's partition of a tensor into
// per-thread ranges. Static (a pure function of the size and the thread count), so results are
// deterministic; every kernel is element-wise or row-wise, so a partition never changes values.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/parallel.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::elementwise {

// Below this many elements per thread a pass runs on one thread: 32K float32 = 128 KiB, a pass
// over it takes ~10 µs at ~15 GB/s, the order of a pool wake-up, so splitting further loses.
inline constexpr int64_t kMinElementsPerThread = 32 * 1024;
// Ranges start at multiples of 64 elements: a whole number of cache lines and of vectors of
// every tier, so only a thread's last range can have a tail.
inline constexpr int64_t kBlockElements = 64;

inline int threads_for(int64_t elements) {
  return elements >= 2 * kMinElementsPerThread ? num_threads() : 1;
}

// fn(begin, end) over [0, n) in per-thread ranges.
template <typename F>
void for_each_range(int64_t n, F&& fn) {
  if (n <= 0) return;
  const int64_t blocks = (n + kBlockElements - 1) / kBlockElements;
  parallel_for(blocks, kMinElementsPerThread / kBlockElements, threads_for(n),
               [&](int64_t b0, int64_t b1) {
                 fn(b0 * kBlockElements, std::min(b1 * kBlockElements, n));
               });
}

// fn(row) for every row of `rows` rows of `cols` elements, rows split across threads.
template <typename F>
void for_each_row(int64_t rows, int64_t cols, F&& fn) {
  if (rows <= 0) return;
  const int64_t grain = std::max<int64_t>(1, kMinElementsPerThread / std::max<int64_t>(cols, 1));
  parallel_for(rows, grain, threads_for(rows * cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fn(r);
  });
}

}  // namespace tinyaccel::elementwise
