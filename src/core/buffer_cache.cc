#include "core/buffer_cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TINYACCEL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TINYACCEL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TINYACCEL_POISON(p, n) static_cast<void>(0)
#define TINYACCEL_UNPOISON(p, n) static_cast<void>(0)
#endif

namespace tinyaccel {
namespace core {
namespace {

// Eight size classes per power of two: a block is at most 12.5% larger than its request, and a
// request finds a block of exactly its class.
int64_t size_class(int64_t bytes) {
  const int64_t pow2 = int64_t{1} << (63 - __builtin_clzll(static_cast<uint64_t>(bytes)));
  const int64_t step = pow2 / 8;
  return (bytes + step - 1) / step * step;
}

int64_t default_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const int64_t ram = pages > 0 && page > 0 ? int64_t{pages} * page : int64_t{1} << 34;
  return std::min<int64_t>(int64_t{1} << 30, ram / 16);
}

struct Block {
  void* data;
  int64_t capacity;
};

class BufferCache {
 public:
  void* acquire(int64_t bytes, int64_t* capacity) {
    *capacity = size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Newest first: its pages are the likeliest to be in cache and in the TLB.
      for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) {
        if (it->capacity == *capacity) {
          void* data = it->data;
          held_ -= it->capacity;
          blocks_.erase(std::next(it).base());
          TINYACCEL_UNPOISON(data, *capacity);
          return data;
        }
      }
    }
    return std::aligned_alloc(kTensorAlignment, static_cast<size_t>(*capacity));
  }

  void release(void* data, int64_t capacity) {
    std::vector<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (capacity > limit_) {
        evicted.push_back({data, capacity});
      } else {
        // Oldest blocks leave first until the new one fits under the limit.
        size_t drop = 0;
        while (held_ + capacity > limit_) held_ -= blocks_[drop++].capacity;
        evicted.assign(blocks_.begin(), blocks_.begin() + drop);
        blocks_.erase(blocks_.begin(), blocks_.begin() + drop);
        TINYACCEL_POISON(data, capacity);
        blocks_.push_back({data, capacity});
        held_ += capacity;
      }
    }
    for (const Block& b : evicted) {
      TINYACCEL_UNPOISON(b.data, b.capacity);
      std::free(b.data);
    }
  }

  void set_limit(int64_t bytes) {
    std::vector<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      size_t drop = 0;
      while (held_ > limit_) held_ -= blocks_[drop++].capacity;
      evicted.assign(blocks_.begin(), blocks_.begin() + drop);
      blocks_.erase(blocks_.begin(), blocks_.begin() + drop);
    }
    for (const Block& b : evicted) {
      TINYACCEL_UNPOISON(b.data, b.capacity);
      std::free(b.data);
    }
  }

  int64_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }
  int64_t held() {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }

 private:
  std::mutex mutex_;
  std::vector<Block> blocks_;  // oldest first
  int64_t held_ = 0;
  int64_t limit_ = default_limit();
};

BufferCache& cache() {
  // Never destroyed: tensors in static objects may be freed after it would be.
  static auto* c = new BufferCache;
  return *c;
}

}  // namespace

void* acquire_buffer(int64_t bytes, int64_t* capacity) { return cache().acquire(bytes, capacity); }
void release_buffer(void* block, int64_t capacity) { cache().release(block, capacity); }
int64_t cached_buffer_bytes() { return cache().held(); }

}  // namespace core

void set_buffer_cache_limit(int64_t bytes) {
  if (bytes < 0) {
    throw ValueError("buffer cache limit must be >= 0 bytes, got " + std::to_string(bytes));
  }
  core::cache().set_limit(bytes);
}
int64_t buffer_cache_limit() { return core::cache().limit(); }
void release_cached_buffers() {
  const int64_t limit = core::cache().limit();
  core::cache().set_limit(0);
  core::cache().set_limit(limit);
}

}  // namespace tinyaccel
