#include "tinyaccel/tensor.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "core/dtype_dispatch.hpp"
#include "core/memory_limit.hpp"
#include "core/overlap.hpp"
#include "core/storage.hpp"
#include "core/strided.hpp"

namespace tinyaccel {
namespace {

int64_t normalize_dim(int64_t d, int64_t ndim, const char* what) {
  const int64_t n = d < 0 ? d + ndim : d;
  if (n < 0 || n >= ndim) {
    throw ValueError(std::string(what) + ": dimension " + std::to_string(d) +
                     " is out of range for a tensor of rank " + std::to_string(ndim) +
                     " (expected " + std::to_string(-ndim) + " to " + std::to_string(ndim - 1) +
                     ")");
  }
  return n;
}

// NumPy's rule: the non-zero dimensions' product times the element size fits in int64, even for
// a zero-size tensor (NumPy cannot create (0, 2^62) float32 either).
int64_t checked_bytes(const Shape& shape, DType dtype) {
  const int64_t n = shape_numel(shape);
  int64_t bytes = dtype_size(dtype);
  for (int64_t d : shape) {
    if (d > 0 && __builtin_mul_overflow(bytes, d, &bytes)) {
      throw ValueError("invalid shape " + shape_str(shape) + " for " + dtype_name(dtype) +
                       ": its size in bytes overflows int64 (the non-zero dimensions' product "
                       "times the element size must be < 2^63)");
    }
  }
  return n == 0 ? 0 : bytes;
}

std::shared_ptr<Storage> allocate(const Shape& shape, DType dtype, bool zero) {
  return std::make_shared<Storage>(checked_bytes(shape, dtype), zero);
}

}  // namespace

int64_t dtype_size(DType dtype) {
  return visit_any_dtype(dtype, [](auto z) { return static_cast<int64_t>(sizeof(z)); });
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f64: return "float64";
    case DType::bf16: return "bfloat16";
    case DType::s8: return "int8";
    case DType::u8: return "uint8";
    case DType::s32: return "int32";
    default: return "float32";
  }
}

bool is_floating(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f64 || dtype == DType::bf16;
}

void throw_unsupported_dtype(const char* op, DType dtype) {
  throw DTypeError(std::string(op) + ": unsupported dtype " + dtype_name(dtype) +
                   " (float32 or float64 required; convert with .to(DType::f32))");
}

void require_compute_dtype(const char* op, std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors) {
    if (t->dtype() != DType::f32 && t->dtype() != DType::f64) {
      throw_unsupported_dtype(op, t->dtype());
    }
  }
}

void detail::throw_out_of_range(double value, DType target) {
  const char* range = target == DType::s8   ? "[-128, 127]"
                      : target == DType::u8 ? "[0, 255]"
                                            : "[-2147483648, 2147483647]";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  throw ValueError(std::string("cannot convert ") + buf + " to " + dtype_name(target) +
                   ": outside its range " + range + " after truncation toward zero");
}

DType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "f32") return DType::f32;
  if (name == "float64" || name == "f64") return DType::f64;
  throw ValueError("unknown dtype " + quote(name) + ": expected float32 (f32) or float64 (f64)");
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + ")";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1, nonzero = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      throw ValueError("invalid shape " + shape_str(shape) + ": dimension " + std::to_string(d) +
                       " is negative (dimensions must be >= 0)");
    }
    if (d > 0 && __builtin_mul_overflow(nonzero, d, &nonzero)) {
      throw ValueError("invalid shape " + shape_str(shape) +
                       ": the product of its non-zero dimensions overflows int64");
    }
    n *= d;  // cannot overflow: n is 0 or the product checked above
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  shape_numel(shape);  // rejects negative and overflowing shapes before the products below
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    // Saturates only for zero-size tensors (any other overflow was rejected above), whose
    // strides never address memory.
    if (__builtin_mul_overflow(s, std::max<int64_t>(shape[i], 1), &s)) s = INT64_MAX;
  }
  return strides;
}

Tensor::Tensor() : Tensor(Shape{0}) {}

Tensor::Tensor(Shape shape, DType dtype)
    : Tensor(allocate(shape, dtype, /*zero=*/true), shape, contiguous_strides(shape), 0, dtype) {}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset,
               DType dtype)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      numel_(shape_numel(shape_)),
      dtype_(dtype) {}

Tensor Tensor::empty(Shape shape, DType dtype) {
  auto storage = allocate(shape, dtype, /*zero=*/false);
  Shape strides = contiguous_strides(shape);
  return Tensor(std::move(storage), std::move(shape), std::move(strides), 0, dtype);
}

Tensor Tensor::from_external(void* data, Shape shape, Shape strides, DType dtype,
                             std::shared_ptr<void> owner) {
  if (shape.size() != strides.size()) {
    throw ValueError("from_external: shape " + shape_str(shape) + " and strides " +
                     shape_str(strides) + " differ in rank (they must have one entry per "
                     "dimension)");
  }
  // Bytes from element 0 to one past the last element: what the memory must hold.
  int64_t extent = checked_bytes(shape, dtype) > 0 ? 1 : 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (strides[d] < 0) {
      throw ValueError("from_external: negative stride " + std::to_string(strides[d]) +
                       " in " + shape_str(strides) + " (strides must be >= 0)");
    }
    if (extent > 0) extent += (shape[d] - 1) * strides[d];
  }
  auto storage = std::make_shared<Storage>(data, extent * dtype_size(dtype), std::move(owner));
  return Tensor(std::move(storage), std::move(shape), std::move(strides), 0, dtype);
}

Tensor Tensor::full(Shape shape, double value, DType dtype) {
  Tensor t = empty(std::move(shape), dtype);
  t.fill_(value);
  return t;
}

template <typename T>
static Tensor from_values(Shape shape, std::vector<T> values) {
  const int64_t n = shape_numel(shape);
  if (n != static_cast<int64_t>(values.size())) {
    throw ValueError("from_vector: shape " + shape_str(shape) + " holds " + std::to_string(n) +
                     " elements but " + std::to_string(values.size()) +
                     " values were given (the counts must match)");
  }
  Tensor t = Tensor::empty(std::move(shape), dtype_of<T>());
  if (n) std::memcpy(t.data<T>(), values.data(), n * sizeof(T));
  return t;
}

Tensor Tensor::from_vector(Shape shape, std::vector<float> values) {
  return from_values(std::move(shape), std::move(values));
}
Tensor Tensor::from_vector(Shape shape, std::vector<double> values) {
  return from_values(std::move(shape), std::move(values));
}

int64_t Tensor::size(int64_t d) const { return shape_[normalize_dim(d, ndim(), "size")]; }

bool Tensor::is_contiguous() const {
  if (numel_ == 0) return true;
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void* Tensor::base() const {
  return static_cast<char*>(storage_->data()) + offset_ * dtype_size(dtype_);
}

template <typename T>
T* Tensor::data() {
  if (dtype_ != dtype_of<T>()) {
    throw DTypeError(std::string("data<") + dtype_name(dtype_of<T>()) + ">() on a " +
                     dtype_name(dtype_) + " tensor: the element type must be the tensor's");
  }
  return static_cast<T*>(base());
}

template <typename T>
const T* Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}

#define TINYACCEL_TENSOR_DATA(T)        \
  template T* Tensor::data<T>();       \
  template const T* Tensor::data<T>() const;
TINYACCEL_TENSOR_DATA(float)
TINYACCEL_TENSOR_DATA(double)
TINYACCEL_TENSOR_DATA(BFloat16)
TINYACCEL_TENSOR_DATA(int8_t)
TINYACCEL_TENSOR_DATA(uint8_t)
TINYACCEL_TENSOR_DATA(int32_t)
#undef TINYACCEL_TENSOR_DATA

static int64_t element_offset(const Tensor& t, const std::vector<int64_t>& index) {
  if (static_cast<int64_t>(index.size()) != t.ndim()) {
    throw ValueError("index of rank " + std::to_string(index.size()) + " for a tensor of shape " +
                     shape_str(t.shape()) + " (expected " + std::to_string(t.ndim()) +
                     " indices)");
  }
  int64_t off = 0;
  for (int64_t d = 0; d < t.ndim(); ++d) {
    const int64_t i = index[d] < 0 ? index[d] + t.shape()[d] : index[d];
    if (i < 0 || i >= t.shape()[d]) {
      throw ValueError("index " + std::to_string(index[d]) + " is out of range for dimension " +
                       std::to_string(d) + " of shape " + shape_str(t.shape()) + " (expected " +
                       std::to_string(-t.shape()[d]) + " to " +
                       std::to_string(t.shape()[d] - 1) + ")");
    }
    off += i * t.strides()[d];
  }
  return off;
}

double Tensor::get(const std::vector<int64_t>& index) const {
  const int64_t off = element_offset(*this, index);
  return visit_any_dtype(dtype_, [&](auto z) -> double {
    return convert_element<double>(static_cast<const decltype(z)*>(base())[off]);
  });
}

void Tensor::set(const std::vector<int64_t>& index, double value) {
  const int64_t off = element_offset(*this, index);
  visit_any_dtype(dtype_, [&](auto z) {
    using T = decltype(z);
    static_cast<T*>(base())[off] = convert_element<T>(value);
  });
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out;
  core::allocation_errors_as("to_vector", [&] { out.reserve(static_cast<size_t>(numel_)); });
  visit_any_dtype(dtype_, [&](auto z) {
    const auto* p = static_cast<const decltype(z)*>(base());
    for_each_offset(shape_, strides_, [&](int64_t o) { out.push_back(convert_element<double>(p[o])); });
  });
  return out;
}

Tensor Tensor::reshape(Shape shape) const {
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw ShapeError("cannot reshape " + shape_str(shape_) + " into " + shape_str(shape) +
                         ": only one dimension may be -1 (inferred)");
      }
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError("cannot reshape " + shape_str(shape_) + " into " + shape_str(shape) +
                       ": dimension " + std::to_string(shape[i]) +
                       " is negative (dimensions must be >= 0, or -1 for one inferred)");
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {
      throw ShapeError("cannot reshape " + shape_str(shape_) + " (" + std::to_string(numel_) +
                       " elements) into " + shape_str(shape) + ": the counts must match");
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel_ % known != 0) {
      throw ShapeError("cannot reshape " + shape_str(shape_) + " (" + std::to_string(numel_) +
                       " elements) into " + shape_str(shape) +
                       ": the product of the other dimensions (" + std::to_string(known) +
                       ") must divide " + std::to_string(numel_));
    }
    shape[infer] = numel_ / known;
  }
  if (shape_numel(shape) != numel_) {
    throw ShapeError("cannot reshape " + shape_str(shape_) + " (" + std::to_string(numel_) +
                     " elements) into " + shape_str(shape) + " (" +
                     std::to_string(shape_numel(shape)) + " elements): the counts must match");
  }
  if (!is_contiguous()) return contiguous().reshape(std::move(shape));
  Shape strides = contiguous_strides(shape);
  return Tensor(storage_, std::move(shape), std::move(strides), offset_, dtype_);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  std::vector<int64_t> dims(ndim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[normalize_dim(d0, ndim(), "transpose")], dims[normalize_dim(d1, ndim(), "transpose")]);
  return permute(dims);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  if (static_cast<int64_t>(dims.size()) != ndim()) {
    throw ValueError("permute: " + std::to_string(dims.size()) +
                     " dimensions given for a tensor of rank " + std::to_string(ndim()) +
                     " (expected a permutation of 0.." + std::to_string(ndim() - 1) + ")");
  }
  Shape shape(ndim()), strides(ndim());
  std::vector<bool> seen(ndim(), false);
  for (int64_t i = 0; i < ndim(); ++i) {
    const int64_t d = normalize_dim(dims[i], ndim(), "permute");
    if (seen[d]) {
      throw ValueError("permute: dimension " + std::to_string(d) + " repeated (expected a " +
                       "permutation of 0.." + std::to_string(ndim() - 1) + ")");
    }
    seen[d] = true;
    shape[i] = shape_[d];
    strides[i] = strides_[d];
  }
  return Tensor(storage_, std::move(shape), std::move(strides), offset_, dtype_);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t stop, int64_t step) const {
  d = normalize_dim(d, ndim(), "slice");
  if (step < 1) throw ValueError("slice: step must be >= 1, got " + std::to_string(step));
  const int64_t n = shape_[d];
  auto clamp = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  start = clamp(start);
  stop = std::max(clamp(stop), start);
  Shape shape = shape_, strides = strides_;
  shape[d] = (stop - start + step - 1) / step;
  strides[d] = strides_[d] * step;
  return Tensor(storage_, std::move(shape), std::move(strides), offset_ + start * strides_[d],
                dtype_);
}

Tensor Tensor::broadcast_to(const Shape& shape) const {
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (nd < ndim()) {
    throw ShapeError("cannot broadcast " + shape_str(shape_) + " to " + shape_str(shape) +
                     ": the target needs at least as many dimensions");
  }
  Shape strides(nd, 0);
  for (int64_t i = 0; i < ndim(); ++i) {
    const int64_t src = ndim() - 1 - i, dst = nd - 1 - i;
    if (shape_[src] == shape[dst]) {
      strides[dst] = strides_[src];
    } else if (shape_[src] != 1) {
      throw ShapeError("cannot broadcast " + shape_str(shape_) + " to " + shape_str(shape) +
                       ": each dimension must equal the target's or be 1");
    }
  }
  shape_numel(shape);
  return Tensor(storage_, shape, std::move(strides), offset_, dtype_);
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  out.copy_from(*this);
  return out;
}

void Tensor::fill_(double value) {
  visit_any_dtype(dtype_, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(base());
    const T v = convert_element<T>(value);
    for_each_offset(shape_, strides_, [&](int64_t o) { p[o] = v; });
  });
}

void Tensor::copy_from(const Tensor& src) {
  if (src.shape_ != shape_) {
    throw ShapeError("copy_from: source shape " + shape_str(src.shape_) +
                     " differs from destination shape " + shape_str(shape_) +
                     " (they must be equal)");
  }
  core::check_distinct_elements("copy_from", "the destination", *this);
  if (core::memory_overlaps(*this, src) && !core::same_layout(*this, src)) {
    copy_from(src.clone());  // the source would change under the copy
    return;
  }
  if (dtype_ == src.dtype_ && is_contiguous() && src.is_contiguous()) {
    if (numel_) std::memmove(base(), src.base(), nbytes());
    return;
  }
  visit_any_dtype(dtype_, [&](auto zd) {
    using D = decltype(zd);
    visit_any_dtype(src.dtype_, [&](auto zs) {
      using S = decltype(zs);
      D* dst = static_cast<D*>(base());
      const S* s = static_cast<const S*>(src.base());
      if (is_contiguous() && src.is_contiguous()) {  // one flat loop the compiler vectorizes
        for (int64_t i = 0; i < numel_; ++i) dst[i] = convert_element<D>(s[i]);
        return;
      }
      for_each_offset_pair(shape_, strides_, src.strides_, [&](int64_t od, int64_t os) {
        dst[od] = convert_element<D>(s[os]);
      });
    });
  });
}

bool Tensor::shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

}  // namespace tinyaccel
