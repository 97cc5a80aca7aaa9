// Allocation accounting. Every tensor buffer goes through one allocator that counts the bytes
// it holds, so "peak memory of an op" is a measured number:
//   reset_peak_memory(); run(); auto peak = memory_stats().peak_bytes - before.current_bytes;
#pragma once

#include <cstdint>

namespace tinyaccel {

struct MemoryStats {
  int64_t current_bytes = 0;     // bytes held by live tensor buffers now
  int64_t peak_bytes = 0;        // high-water mark of current_bytes since the last reset
  int64_t allocations = 0;       // buffers allocated since the last reset
};

MemoryStats memory_stats();

// Sets peak_bytes to current_bytes and allocations to 0.
void reset_peak_memory();

// Tensor buffers are aligned to this many bytes (one cache line, one AVX-512 register).
inline constexpr int64_t kTensorAlignment = 64;

}  // namespace tinyaccel
