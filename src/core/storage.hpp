// Owning, 64-byte-aligned, zero-or-uninitialized buffer whose bytes are counted by the
// allocation accounting in memory.cc.
#pragma once

#include <cstdint>

namespace tinyaccel {

class Storage {
 public:
  // AllocationError when the system refuses the request.
  Storage(int64_t bytes, bool zero);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace tinyaccel
