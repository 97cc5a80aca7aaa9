#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/buffer_cache.hpp"
#include "core/memory_limit.hpp"
#include "core/storage.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"

namespace tinyaccel {
namespace {

std::atomic<int64_t> g_current{0};
std::atomic<int64_t> g_peak{0};
std::atomic<int64_t> g_allocations{0};

void count_allocation(int64_t bytes) {
  const int64_t now = g_current.fetch_add(bytes) + bytes;
  int64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  g_allocations.fetch_add(1);
}

}  // namespace

MemoryStats memory_stats() {
  return MemoryStats{g_current.load(), g_peak.load(), g_allocations.load(),
                     core::cached_buffer_bytes()};
}

void reset_peak_memory() {
  g_peak.store(g_current.load());
  g_allocations.store(0);
}

Storage::Storage(int64_t bytes, bool zero) : bytes_(bytes) {
  if (bytes < 0) {
    throw AllocationError("cannot allocate " + std::to_string(bytes) +
                          " bytes: the size must be >= 0");
  }
  // aligned_alloc wants a multiple of the alignment; a zero-byte tensor still gets a valid,
  // aligned pointer so kernels never see nullptr.
  const int64_t padded = bytes == 0 ? kTensorAlignment
                                    : (bytes + kTensorAlignment - 1) / kTensorAlignment *
                                          kTensorAlignment;
  if (padded < bytes || padded > (int64_t{1} << 62)) {
    throw AllocationError("cannot allocate " + std::to_string(bytes) +
                          " bytes: a tensor holds at most 2^62 bytes");
  }
  if (padded >= core::kCheckedAllocationBytes) require_available_memory(padded, "a tensor");
  if (padded >= core::kMinCachedBytes) {
    data_ = core::acquire_buffer(padded, &capacity_);
  } else {
    data_ = std::aligned_alloc(kTensorAlignment, static_cast<size_t>(padded));
    capacity_ = padded;
  }
  if (data_ == nullptr) {
    throw AllocationError("cannot allocate " + core::bytes_str(bytes) +
                          " for a tensor: out of memory");
  }
  if (zero) std::memset(data_, 0, static_cast<size_t>(padded));
  count_allocation(bytes);
}

Storage::~Storage() {
  if (external_) return;
  if (capacity_ >= core::kMinCachedBytes) {
    core::release_buffer(data_, capacity_);
  } else {
    std::free(data_);
  }
  g_current.fetch_sub(bytes_);
}

}  // namespace tinyaccel
