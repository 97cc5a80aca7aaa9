// Tensor: an n-dimensional array with shape and strides over shared, 64-byte-aligned,
// allocation-counted storage. Views (reshape, transpose, permute, slice) share storage;
// contiguous() and clone() copy.
//
// Element types: float32 and float64 are what the ops compute in. bfloat16 (BFloat16), int8,
// uint8 and int32 are storage types for the low-precision GEMMs (matmul.hpp, quantize.hpp):
// they convert, copy, view, save and load like the others, and every other op rejects them
// with a DTypeError naming the op.
//
// Copying a Tensor (copy constructor, assignment, passing by value) copies its shape, strides
// and offset and shares its elements: `Tensor b = a; b.fill_(0);` zeroes a too. The storage is
// reference-counted (freed with the last tensor on it), so a copy is cheap and safe to hand to
// another thread. Use clone() for independent elements.
//
// Threads: any number of threads may read the same tensors at once (const members, kernels'
// inputs). Writing elements (fill_, set, copy_from, data<T>() writes, an op's `out` or in-place
// form) while another thread reads or writes the same elements is a data race; so is
// assigning to one Tensor object from two threads. Different Tensor objects that share
// storage may be copied, destroyed and reshaped from different threads freely.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyaccel/bfloat16.hpp"
#include "tinyaccel/errors.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

//            C++ element type   dtype_name()
// f32        float              "float32"
// f64        double             "float64"
// bf16       BFloat16           "bfloat16"
// s8         int8_t             "int8"
// u8         uint8_t            "uint8"
// s32        int32_t            "int32"
enum class DType { f32, f64, bf16, s8, u8, s32 };
using Shape = std::vector<int64_t>;

int64_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // "float32", "float64", "bfloat16", "int8", ...
// "float32"/"f32" or "float64"/"f64"; ValueError naming the text and the accepted names
// otherwise.
DType parse_dtype(const std::string& name);
bool is_floating(DType dtype);  // float32, float64 or bfloat16
std::string shape_str(const Shape& shape);  // "(2,3)"

// Number of elements of a shape; ValueError on a negative dimension, or when the product of the
// non-zero dimensions overflows int64 (as NumPy, which refuses (0, 2^63-1) too). A tensor's
// size in bytes, its non-zero dimensions' product times the element size, must fit as well.
int64_t shape_numel(const Shape& shape);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::f32; }
template <>
constexpr DType dtype_of<double>() { return DType::f64; }
template <>
constexpr DType dtype_of<BFloat16>() { return DType::bf16; }
template <>
constexpr DType dtype_of<int8_t>() { return DType::s8; }
template <>
constexpr DType dtype_of<uint8_t>() { return DType::u8; }
template <>
constexpr DType dtype_of<int32_t>() { return DType::s32; }

class Storage;

class Tensor {
 public:
  // An empty float32 tensor of shape (0).
  Tensor();
  // Zero-filled.
  explicit Tensor(Shape shape, DType dtype = DType::f32);
  // Uninitialized contents: for outputs that are fully overwritten.
  static Tensor empty(Shape shape, DType dtype = DType::f32);
  static Tensor full(Shape shape, double value, DType dtype = DType::f32);
  // A tensor over memory owned elsewhere (zero-copy interop, e.g. a NumPy array's buffer):
  // `data` is element (0,...,0), strides are in elements and >= 0. Nothing is copied, counted by
  // memory_stats() or freed; `owner` (may be null) is held until the last tensor sharing this
  // storage goes, and the caller keeps the memory valid until then. Views and copies follow the
  // usual rules (reshape of a non-viewable layout copies into owned memory).
  // ValueError when shape and strides differ in rank or a stride is negative.
  static Tensor from_external(void* data, Shape shape, Shape strides, DType dtype,
                              std::shared_ptr<void> owner = nullptr);
  // Values in row-major order; ValueError when their count differs from the shape's.
  static Tensor from_vector(Shape shape, std::vector<float> values);
  static Tensor from_vector(Shape shape, std::vector<double> values);

  const Shape& shape() const { return shape_; }
  // In elements, not bytes. May be 0 (broadcast) or any positive value (views).
  const Shape& strides() const { return strides_; }
  DType dtype() const { return dtype_; }
  int64_t ndim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return numel_; }
  int64_t nbytes() const { return numel_ * dtype_size(dtype_); }
  // Dimension d, negative d counting from the end; ValueError when out of range.
  int64_t size(int64_t d) const;
  bool is_contiguous() const;

  // Pointer to element (0,...,0). DTypeError when T is not the tensor's element type.
  template <typename T>
  T* data();
  template <typename T>
  const T* data() const;
  void* raw_data() { return base(); }
  const void* raw_data() const { return base(); }

  // Element access by full index (negative indices count from the end), converted to double.
  double get(const std::vector<int64_t>& index) const;
  void set(const std::vector<int64_t>& index, double value);
  // All elements in row-major order, converted to double.
  std::vector<double> to_vector() const;

  // View when the strides allow it, a copy otherwise. One dimension may be -1 (inferred).
  Tensor reshape(Shape shape) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  // Matrix transpose of the last two dimensions.
  Tensor mT() const { return transpose(-2, -1); }
  Tensor permute(const std::vector<int64_t>& dims) const;
  // Elements start, start+step, ... < stop along dimension d (numpy clamping, step >= 1).
  Tensor slice(int64_t d, int64_t start, int64_t stop, int64_t step = 1) const;
  // View with size-1 dimensions stretched (stride 0) to `shape`, numpy broadcasting rules.
  Tensor broadcast_to(const Shape& shape) const;

  Tensor contiguous() const;  // this when already contiguous (shares storage), else a copy
  Tensor clone() const;       // always a contiguous copy
  // This when dtype matches, else a converted copy. Conversions, element by element (the same
  // rules for set(), fill_() and copy_from()):
  //   to float32/float64: exact from every type except float64 → float32 and int32 → float32,
  //     which round to nearest even;
  //   to bfloat16: to_bfloat16() of the value, rounded once (bfloat16.hpp);
  //   to an integer type: floating values truncate toward zero (as NumPy's astype and
  //     PyTorch's .to() do); a NaN, or a value whose truncation lies outside the target's range,
  //     is a ValueError naming the value and the range.
  Tensor to(DType dtype) const;
  void fill_(double value);
  // Copies src (same shape, any dtype/strides) into this tensor's elements; exact when src
  // shares memory with this tensor (src is then read from a copy). ValueError when this tensor
  // has overlapping elements (a broadcast / stride-0 view).
  void copy_from(const Tensor& src);

  // Same storage (the same buffer, views included); tensors over external memory have one
  // storage per from_external call.
  bool shares_storage(const Tensor& other) const;

 private:
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset,
         DType dtype);
  void* base() const;

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;  // in elements
  int64_t numel_ = 0;
  DType dtype_ = DType::f32;
};

// Row-major strides of a contiguous tensor of this shape.
Shape contiguous_strides(const Shape& shape);

// Seeded random fills. The generator is our own (xoshiro256** + Box–Muller), so a seed gives
// the same values on every platform and standard library. Floating dtypes only (a bfloat16
// draw is the float64 draw rounded once); DTypeError for the integer dtypes.
Tensor randn(Shape shape, uint64_t seed, DType dtype = DType::f32, double mean = 0.0,
             double stddev = 1.0);
Tensor rand(Shape shape, uint64_t seed, DType dtype = DType::f32, double low = 0.0,
            double high = 1.0);

// numpy.allclose without broadcasting: false when shapes differ; otherwise every pair satisfies
// |a - b| <= atol + rtol * |b| (computed in double). Infinities are close only to the same
// infinity. NaN is close to NaN only when equal_nan; otherwise any NaN makes the answer false.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);

}  // namespace tinyaccel
#pragma GCC visibility pop
