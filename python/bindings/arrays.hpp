// Arrays across the boundary, without copies where the layout allows:
//   in   any object nanobind reads as a CPU ndarray (NumPy through the buffer protocol or
//        DLPack, PyTorch through __dlpack__) of float32/float64 (int8: quantized weights)
//        becomes a Tensor viewing the same memory; the view borrows it, so it must not
//        outlive the call that made it.
//        Negative strides (x[::-1]) are copied, as Tensor strides are >= 0.
//   out  a Tensor becomes a NumPy array over the tensor's own buffer; the array's base keeps the
//        tensor's storage alive, so the result outlives everything that made it.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <optional>

#include <tinyaccel/tensor.hpp>

namespace tinyaccel::python {

namespace nb = nanobind;

using Array = nb::ndarray<nb::ro, nb::device::cpu>;
using OutArray = nb::ndarray<nb::device::cpu>;  // writable

// A view of `array` (DTypeError naming `arg` unless float32/float64).
Tensor borrow(const Array& array, const char* arg);
std::optional<Tensor> borrow(const std::optional<Array>& array, const char* arg);
// A writable view for out= arguments.
Tensor borrow_out(const OutArray& array, const char* arg);

// A NumPy array owning `tensor` (a copy of the handle, not of the data).
nb::object to_numpy(Tensor tensor);

}  // namespace tinyaccel::python
