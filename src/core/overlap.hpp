// Memory overlap between and within tensors: what every out-parameter and in-place form checks,
// so a result is either exact or refused, never silently wrong.
#pragma once

#include "tinyaccel/tensor.hpp"

namespace tinyaccel::core {

// True when two different indices of t may reach the same element: a stride of 0 on a
// dimension of size > 1 (broadcast), or strides that interleave (dimensions sorted by stride,
// each stride must exceed the span of the ones below it). Layouts that pass are the ones
// views, transposes and slices produce; zero-size and single-element tensors always pass.
bool has_internal_overlap(const Tensor& t);

// True when the byte ranges a and b span (first element to last) intersect: they may share
// an element. Works across storages, so two tensors wrapping the same external memory
// (Tensor::from_external) are seen to overlap. False when either has no elements.
bool memory_overlaps(const Tensor& a, const Tensor& b);

// True when a and b are the same elements in the same layout (same first element, shape and
// strides): an element-wise op may then read and write them in place.
bool same_layout(const Tensor& a, const Tensor& b);

// ValueError "<op>: <what> <shape> with strides <strides> has elements that overlap (...)"
// when has_internal_overlap(t): such a tensor cannot receive a result.
void check_distinct_elements(const char* op, const char* what, const Tensor& t);

}  // namespace tinyaccel::core
