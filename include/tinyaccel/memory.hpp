// Allocation accounting. Every tensor buffer goes through one allocator that counts the bytes
// it holds, so "peak memory of an op" is a measured number:
//   reset_peak_memory(); run(); auto peak = memory_stats().peak_bytes - before.current_bytes;
#pragma once

#include <cstdint>
#include <string>

#pragma GCC visibility push(default)
namespace tinyaccel {

struct MemoryStats {
  int64_t current_bytes = 0;     // bytes held by live tensor buffers now
  int64_t peak_bytes = 0;        // high-water mark of current_bytes since the last reset
  int64_t allocations = 0;       // buffers allocated since the last reset
  int64_t cached_bytes = 0;      // freed large buffers kept for reuse (not in current_bytes)
};

MemoryStats memory_stats();

// Sets peak_bytes to current_bytes and allocations to 0.
void reset_peak_memory();

// Large buffers (256 KiB and up) freed by tensors are kept for reuse by the next tensor of the
// same size class, so a new result does not page-fault on first touch; the cache holds at most
// buffer_cache_limit() bytes (default: 1/16 of physical memory, at most 1 GiB), dropping the
// oldest buffers first. Everything in this header is safe from any thread.
void set_buffer_cache_limit(int64_t bytes);  // 0 disables the cache; ValueError when < 0
int64_t buffer_cache_limit();
void release_cached_buffers();  // returns every cached buffer to the system now

// Bytes of memory this process can still get without swapping: the least of the kernel's
// MemAvailable (/proc/meminfo), the room left under the memory limit of its cgroup and the
// cgroups above it (v2 memory.max, v1 memory.limit_in_bytes) and the room left under
// RLIMIT_AS; plus the cached buffers above, which the next tensors reuse. Tensor allocations of
// 1 GiB and more, and model configurations as a whole (nn.hpp), are checked against it before
// anything is allocated: AllocationError naming the bytes needed and available.
int64_t available_memory_bytes();

// AllocationError "<what> needs N bytes (...), more than the M bytes (...) this process can
// have" when bytes > available_memory_bytes(): for a caller about to allocate a known total.
void require_available_memory(int64_t bytes, const std::string& what);

// Tensor buffers are aligned to this many bytes (one cache line, one AVX-512 register).
inline constexpr int64_t kTensorAlignment = 64;

}  // namespace tinyaccel
#pragma GCC visibility pop
