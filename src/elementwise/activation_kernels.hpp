// Array-level activation kernels: the element-wise engine's functors applied to one contiguous
// run of values. The GEMM epilogue calls these on each finished tile row while it is in cache.
#pragma once

#include <cstdint>

#include "tinyaccel/activation.hpp"

namespace tinyaccel::elementwise {

// x[i] = act(x[i] + bias[i]) for i in [0, n); bias may be nullptr (treated as zeros).
// Single-threaded: callers own the parallelism.
template <typename T>
void bias_activation_inplace(Activation act, T* x, const T* bias, int64_t n);

}  // namespace tinyaccel::elementwise
