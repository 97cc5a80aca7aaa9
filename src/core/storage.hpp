// A tensor's memory: either an owned, 64-byte-aligned buffer whose bytes are counted by the
// allocation accounting (memory.cc), or memory owned elsewhere (Tensor::from_external), which is
// neither counted nor freed here.
#pragma once

#include <cstdint>
#include <memory>

namespace tinyaccel {

class Storage {
 public:
  // Owned, zero-filled or uninitialized. AllocationError when the system refuses the request.
  Storage(int64_t bytes, bool zero);
  // External: `owner` (may be null) is released when the last tensor on this storage goes.
  Storage(void* data, int64_t bytes, std::shared_ptr<void> owner)
      : data_(data), bytes_(bytes), owner_(std::move(owner)), external_(true) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  int64_t bytes_ = 0;
  int64_t capacity_ = 0;  // owned: the block's real size (buffer_cache.hpp)
  std::shared_ptr<void> owner_;
  bool external_ = false;
};

}  // namespace tinyaccel
