// Recycling of large tensor buffers.
//
// glibc serves a large request with a fresh mmap() and unmaps it on free, so every new large
// tensor page-faults on first touch, once per 4 KiB page: a 16 MB result takes ~4000 faults,
// more time than a memory-bound kernel that fills it. Buffers of at least kMinCachedBytes are
// therefore kept on free and handed to the next request of the same size class, up to a limit
// on the bytes held (memory.hpp: buffer_cache_limit). Smaller requests go straight to the heap,
// which already reuses them.
#pragma once

#include <cstdint>

namespace tinyaccel::core {

inline constexpr int64_t kMinCachedBytes = int64_t{256} << 10;

// A 64-byte-aligned block of at least `bytes` bytes (uninitialized); `capacity` receives its
// real size, to be passed back to release_buffer. nullptr when the system refuses.
void* acquire_buffer(int64_t bytes, int64_t* capacity);
// Keeps the block for reuse, or frees it when the cache is full or disabled.
void release_buffer(void* block, int64_t capacity);
// Bytes held by the cache now.
int64_t cached_buffer_bytes();

}  // namespace tinyaccel::core
