#include "arrays.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace tinyaccel::python {
namespace {

DType dtype_of_array(nb::dlpack::dtype t, const char* arg) {
  if (t == nb::dtype<float>()) return DType::f32;
  if (t == nb::dtype<double>()) return DType::f64;
  if (t == nb::dtype<int8_t>()) return DType::s8;  // a quantized weight's values
  static const char* const kCodes[] = {"int", "uint", "float", "opaque", "bfloat", "complex",
                                       "bool"};
  const std::string code = t.code < 7 ? kCodes[t.code] : "code " + std::to_string(t.code);
  throw DTypeError(std::string(arg) + ": unsupported dtype " + code + std::to_string(t.bits) +
                   ": expected float32 or float64 (int8 for quantized weights)");
}

// A contiguous copy of a layout with negative strides (element strides, any sign).
Tensor copy_strided(const char* base, const Shape& shape, const Shape& strides, DType dtype) {
  Tensor out = Tensor::empty(shape, dtype);
  const int64_t item = dtype_size(dtype), nd = static_cast<int64_t>(shape.size());
  char* dst = static_cast<char*>(out.raw_data());
  std::vector<int64_t> index(nd, 0);
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < nd; ++d) offset += index[d] * strides[d];
    std::memcpy(dst + i * item, base + offset * item, item);
    for (int64_t d = nd - 1; d >= 0 && ++index[d] == shape[d]; --d) index[d] = 0;
  }
  return out;
}

template <typename A>
Tensor view(const A& array, const char* arg) {
  const DType dtype = dtype_of_array(array.dtype(), arg);
  const size_t nd = array.ndim();
  Shape shape(nd), strides(nd);
  bool negative = false;
  for (size_t d = 0; d < nd; ++d) {
    shape[d] = static_cast<int64_t>(array.shape(d));
    strides[d] = array.stride(d);
    negative |= strides[d] < 0 && shape[d] > 1;
    if (shape[d] == 1) strides[d] = 0;  // a size-1 dimension's stride is never used
  }
  const char* data = static_cast<const char*>(array.data_handle()) + array.byte_offset();
  if (negative) return copy_strided(data, shape, strides, dtype);
  return Tensor::from_external(const_cast<char*>(data), std::move(shape), std::move(strides),
                               dtype);
}

nb::dlpack::dtype numpy_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32: return nb::dtype<float>();
    case DType::f64: return nb::dtype<double>();
    case DType::s8: return nb::dtype<int8_t>();
    case DType::u8: return nb::dtype<uint8_t>();
    case DType::s32: return nb::dtype<int32_t>();
    case DType::bf16: break;  // NumPy has no bfloat16: the caller converts
  }
  throw DTypeError(std::string("no NumPy dtype for ") + dtype_name(dtype));
}

}  // namespace

Tensor borrow(const Array& array, const char* arg) { return view(array, arg); }

std::optional<Tensor> borrow(const std::optional<Array>& array, const char* arg) {
  if (!array) return std::nullopt;
  return view(*array, arg);
}

Tensor borrow_out(const OutArray& array, const char* arg) {
  for (size_t d = 0; d < array.ndim(); ++d) {
    if (array.stride(d) < 0 && array.shape(d) > 1) {
      throw ValueError(std::string(arg) + ": negative strides cannot be written in place");
    }
  }
  return view(array, arg);
}

nb::object to_numpy(Tensor tensor) {
  if (tensor.dtype() == DType::bf16) tensor = tensor.to(DType::f32);  // exact
  const nb::dlpack::dtype dtype = numpy_dtype(tensor.dtype());
  auto* held = new Tensor(std::move(tensor));
  nb::capsule owner(held, [](void* p) noexcept { delete static_cast<Tensor*>(p); });
  const size_t nd = static_cast<size_t>(held->ndim());
  std::vector<size_t> shape(held->shape().begin(), held->shape().end());
  nb::ndarray<nb::numpy> array(held->raw_data(), nd, shape.data(), owner,
                               held->strides().data(), dtype);
  return array.cast();
}

}  // namespace tinyaccel::python
