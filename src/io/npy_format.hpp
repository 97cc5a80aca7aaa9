// The .npy format shared by the .npy and .npz readers and writers
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//
//   "\x93NUMPY" major minor header_len header data
//
// header_len is a little-endian uint16 (version 1.0) or uint32 (2.0, 3.0); the header is a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and a final '\n'; the data follows, numel · itemsize bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "tinyaccel/tensor.hpp"

namespace tinyaccel::io {

// NumPy 2's limit on the number of dimensions; also bounds the work a hostile header can cause.
inline constexpr size_t kMaxRank = 64;
// Real headers are ~128 bytes; NumPy itself refuses headers over 10,000 bytes by default.
inline constexpr uint64_t kMaxHeaderBytes = 1 << 20;

// Bytes read one after another, from a file, a buffer or a zip member. The reader never asks
// for more than size() bytes in total, so an implementation need not check bounds.
class NpyInput {
 public:
  virtual ~NpyInput() = default;
  // Total number of bytes available.
  virtual uint64_t size() const = 0;
  // The next n bytes; IoError when they cannot be read.
  virtual void read(void* dst, size_t n) = 0;
  // Called once after the data was read (a zip member checks its CRC here).
  virtual void finish() {}
};

// Reads one .npy array. `source` names the input in error messages, as it is written there
// (callers quote a path: "'x.npy': truncated ...").
// Allocates only after checking that the input holds every byte the header promises.
Tensor read_npy(NpyInput& input, const std::string& source);

// The preamble and header NumPy would write for a C-order little-endian array of this shape.
// ValueError when the rank exceeds kMaxRank.
std::string npy_header(const Shape& shape, DType dtype);

// Passes the tensor's elements, row-major, to `sink` in one or more pieces.
void write_npy_data(const Tensor& tensor, const std::function<void(const char*, size_t)>& sink);

}  // namespace tinyaccel::io
