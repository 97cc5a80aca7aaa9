// Typed errors. Every message names what was wrong (shapes, values, paths) so a one-line
// report is enough to fix the call. The CLI turns any of them into one stderr line + exit 2.
#pragma once

#include <stdexcept>
#include <string>

namespace tinyaccel {

// Incompatible shapes or ranks: "shape mismatch: (2,3) @ (4,5): ...".
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// An argument outside its valid range (negative dimension, tile_size < 1, bad thread count...).
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Access with the wrong element type, or an unsupported dtype in a file.
class DTypeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A file that cannot be read or written, or whose contents are malformed.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An allocation the system refused, or whose size overflows.
class AllocationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinyaccel
