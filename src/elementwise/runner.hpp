// How the element-wise front ends split work: the fused runner's partition of a tensor into
// per-thread ranges. Static (a pure function of the size and the thread count), so results are
// deterministic; every kernel is element-wise or row-wise, so a partition never changes values.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/parallel.hpp"
#include "tinyaccel/activation.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::elementwise {

// The fewest elements a thread is given: a thread is woken only for work that outlasts its
// hand-off (about a microsecond polling, several when it sleeps). A memory-bound pass over 16K
// float32 (128 KiB read and written) takes ~5 µs on one core; a pass of transcendental math
// (GELU's tanh or erf, softmax's exp: ~20 operations an element) as long over a quarter of that.
inline constexpr int64_t kMinElementsPerThread = 16 * 1024;
inline constexpr int64_t kMinMathElementsPerThread = kMinElementsPerThread / 4;
// Ranges start at multiples of 64 elements: a whole number of cache lines and of vectors of
// every tier, so only a thread's last range can have a tail.
inline constexpr int64_t kBlockElements = 64;

// The minimum per thread for an activation pass.
inline int64_t min_elements_for(Activation act) {
  return act == Activation::gelu || act == Activation::gelu_erf ? kMinMathElementsPerThread
                                                                : kMinElementsPerThread;
}

// fn(begin, end) over [0, n) in per-thread ranges of at least `min_per_thread` elements, on up
// to num_threads() threads.
template <typename F>
void for_each_range(int64_t n, F&& fn, int64_t min_per_thread = kMinElementsPerThread) {
  if (n <= 0) return;
  const int64_t blocks = (n + kBlockElements - 1) / kBlockElements;
  const int64_t grain = std::max<int64_t>(1, min_per_thread / kBlockElements);
  const int threads = blocks >= 2 * grain ? num_threads() : 1;
  parallel_for(blocks, grain, threads, [&](int64_t b0, int64_t b1) {
    fn(b0 * kBlockElements, std::min(b1 * kBlockElements, n));
  });
}

// fn(row) for every row of `rows` rows of `cols` elements, rows split across threads, each
// thread given at least `min_per_thread` elements' worth of rows.
template <typename F>
void for_each_row(int64_t rows, int64_t cols, F&& fn,
                  int64_t min_per_thread = kMinElementsPerThread) {
  if (rows <= 0) return;
  const int64_t grain = std::max<int64_t>(1, min_per_thread / std::max<int64_t>(cols, 1));
  const int threads = rows >= 2 * grain ? num_threads() : 1;
  parallel_for(rows, grain, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fn(r);
  });
}

}  // namespace tinyaccel::elementwise
