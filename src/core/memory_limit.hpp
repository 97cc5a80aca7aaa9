// Large requests are checked against the memory the process can have (memory.hpp's
// require_available_memory) before anything is allocated: on Linux an oversized allocation
// usually succeeds and the process is killed later, when the pages are touched.
#pragma once

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "tinyaccel/errors.hpp"

namespace tinyaccel::core {

// Requests from this size up are checked by every tensor allocation (reading /proc costs
// ~20 us, nothing next to touching a GiB).
inline constexpr int64_t kCheckedAllocationBytes = int64_t{1} << 30;

// "1073741824 bytes (1.0 GiB)"; INT64_MAX (a saturated count) is "over 2^63 bytes".
std::string bytes_str(int64_t bytes);

// Runs f, turning the standard library's allocation failures (std::bad_alloc, std::length_error
// from a container) into AllocationError naming `what`: for entry points whose kernels allocate
// scratch memory of their own.
template <typename F>
decltype(auto) allocation_errors_as(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    throw AllocationError(std::string(what) + ": out of memory for its scratch buffers");
  } catch (const std::length_error&) {
    throw AllocationError(std::string(what) + ": out of memory for its scratch buffers");
  }
}

}  // namespace tinyaccel::core
