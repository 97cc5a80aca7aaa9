#include "core/overlap.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tinyaccel/errors.hpp"

namespace tinyaccel::core {
namespace {

// [first, last] byte addresses of the elements of a tensor with elements.
std::pair<uintptr_t, uintptr_t> byte_span(const Tensor& t) {
  const auto first = reinterpret_cast<uintptr_t>(t.raw_data());
  uintptr_t extent = 0;
  for (int64_t d = 0; d < t.ndim(); ++d) {
    extent += static_cast<uintptr_t>(t.shape()[d] - 1) * static_cast<uintptr_t>(t.strides()[d]);
  }
  return {first, first + (extent + 1) * static_cast<uintptr_t>(dtype_size(t.dtype())) - 1};
}

}  // namespace

bool has_internal_overlap(const Tensor& t) {
  if (t.numel() <= 1) return false;
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of dimensions of size > 1
  for (int64_t d = 0; d < t.ndim(); ++d) {
    if (t.shape()[d] > 1) dims.emplace_back(t.strides()[d], t.shape()[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t span = 0;  // largest offset reached by the dimensions so far
  for (const auto& [stride, size] : dims) {
    if (stride <= span) return true;
    span += stride * (size - 1);
  }
  return false;
}

bool memory_overlaps(const Tensor& a, const Tensor& b) {
  if (a.numel() == 0 || b.numel() == 0) return false;
  const auto [a0, a1] = byte_span(a);
  const auto [b0, b1] = byte_span(b);
  return a0 <= b1 && b0 <= a1;
}

bool same_layout(const Tensor& a, const Tensor& b) {
  return a.raw_data() == b.raw_data() && a.dtype() == b.dtype() && a.shape() == b.shape() &&
         a.strides() == b.strides();
}

void check_distinct_elements(const char* op, const char* what, const Tensor& t) {
  if (has_internal_overlap(t)) {
    throw ValueError(std::string(op) + ": " + what + " " + shape_str(t.shape()) +
                     " with strides " + shape_str(t.strides()) +
                     " has elements that overlap (a broadcast or stride-0 view): it must have "
                     "one element per index to hold a result");
  }
}

}  // namespace tinyaccel::core
