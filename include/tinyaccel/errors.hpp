// Typed errors. Every message is one line that names the offending value (shapes, numbers,
// paths: user-supplied text through quote()) and says what is accepted, so it is enough to fix
// the call. The CLI turns any of them into one stderr line + exit status 2.
//
// All five derive from tinyaccel::Error, and each also keeps the standard base it has always
// had (std::invalid_argument or std::runtime_error), so `catch (const tinyaccel::Error&)`,
// `catch (const std::invalid_argument&)` and `catch (const std::exception&)` all work. Error is
// an interface rather than a second std::exception, so each type has exactly one
// std::exception base and catching std::exception is never ambiguous.
//
// Library calls throw only these (and nothing for a valid call): a failed allocation is an
// AllocationError, never std::bad_alloc; a thread the system refuses to start is an
// AllocationError, never std::system_error.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)
namespace tinyaccel {

class Error {
 public:
  virtual ~Error() = default;
  virtual const char* what() const noexcept = 0;

 protected:
  Error() = default;
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;
};

// Incompatible shapes or ranks: "shape mismatch: (2,3) @ (4,5): ...".
class ShapeError : public std::invalid_argument, public Error {
 public:
  using std::invalid_argument::invalid_argument;
  const char* what() const noexcept override { return std::invalid_argument::what(); }
};

// An argument outside its valid range (negative dimension, tile_size < 1, bad thread count,
// an output that overlaps an input...).
class ValueError : public std::invalid_argument, public Error {
 public:
  using std::invalid_argument::invalid_argument;
  const char* what() const noexcept override { return std::invalid_argument::what(); }
};

// Access with the wrong element type, or an unsupported dtype in a file.
class DTypeError : public std::invalid_argument, public Error {
 public:
  using std::invalid_argument::invalid_argument;
  const char* what() const noexcept override { return std::invalid_argument::what(); }
};

// A file that cannot be read or written, or whose contents are malformed. OS failures carry
// the system's reason (strerror), e.g. "... : No space left on device".
class IoError : public std::runtime_error, public Error {
 public:
  using std::runtime_error::runtime_error;
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

// Memory or threads the system refused, a size that overflows, or a request larger than the
// memory this process can have (the message names the bytes needed and available).
class AllocationError : public std::runtime_error, public Error {
 public:
  using std::runtime_error::runtime_error;
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

// `text` in single quotes, safe in a one-line message: printable ASCII is kept; a control
// character, a byte >= 0x7f, the backslash and the quote become \n, \t, \r, \\, \' or \xNN.
// Longer than max_chars characters of text, it is cut there and "..." follows the quote.
std::string quote(std::string_view text, size_t max_chars = 1024);

}  // namespace tinyaccel
#pragma GCC visibility pop
