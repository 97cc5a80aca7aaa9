#include "io/npy_format.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "core/strided.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel::io {

// Element bytes are copied between file and tensor as they are: the files are little-endian.
static_assert(std::endian::native == std::endian::little,
              "the .npy reader and writer assume a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kArrayAlign = 64;  // NumPy pads preamble + header to a multiple of this

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw IoError(source + ": " + what);
}

[[noreturn]] void truncated(const std::string& source, const std::string& what) {
  fail(source, "truncated .npy data: " + what);
}

// The three fields of a .npy header, as written in the dict literal.
struct HeaderFields {
  std::optional<std::string> descr;  // a plain dtype string
  std::optional<std::string> structured_descr;  // a list/tuple descr (structured, sub-array)
  std::optional<bool> fortran_order;
  std::optional<Shape> shape;
};

// Parses the subset of Python literal syntax NumPy writes in a header: a dict with string keys
// whose values are strings, True/False, tuples of non-negative integers (an "L" suffix from
// Python 2 allowed) or, for structured dtypes, a bracketed list that is only skipped.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  HeaderFields parse() {
    HeaderFields fields;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (consume('}')) break;
      const std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[' || peek() == '(') {
          fields.structured_descr = skip_bracketed();
          fields.descr.reset();
        } else {
          fields.descr = parse_string();
          fields.structured_descr.reset();
        }
      } else if (key == "fortran_order") {
        fields.fortran_order = parse_bool();
      } else if (key == "shape") {
        fields.shape = parse_shape();
      } else {
        fail("unexpected key " + quote(key));
      }
      skip_space();
      if (consume('}')) break;
      expect(',');
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    return fields;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    io::fail(source_, "malformed .npy header: " + what + " in " + quote(text_, 96));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= text_.size(); }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!consume(c)) {
      fail(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    }
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::string parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') {
      fail("expected a quoted string at offset " + std::to_string(pos_));
    }
    ++pos_;
    std::string value;
    while (!at_end() && peek() != quote) {
      // Python would decode an escape ('<f\4' is '<f' + chr(4)); NumPy never writes one.
      if (peek() == '\\') {
        fail("a backslash at offset " + std::to_string(pos_) +
             " (strings in a .npy header are plain, like '<f4')");
      }
      value.push_back(text_[pos_++]);
    }
    if (!consume(quote)) fail("unterminated string");
    return value;
  }

  bool parse_bool() {
    if (consume_word("True")) return true;
    if (consume_word("False")) return false;
    fail("'fortran_order' must be True or False");
  }

  int64_t parse_dimension() {
    if (peek() == '-') fail("negative dimension in 'shape'");
    if (peek() < '0' || peek() > '9') {
      fail("expected a dimension at offset " + std::to_string(pos_));
    }
    int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, peek() - '0', &value)) {
        fail("dimension in 'shape' overflows int64");
      }
      ++pos_;
    }
    consume('L');
    return value;
  }

  Shape parse_shape() {
    expect('(');
    Shape shape;
    while (true) {
      skip_space();
      if (consume(')')) break;
      if (shape.size() == kMaxRank) {
        fail("'shape' has more than " + std::to_string(kMaxRank) + " dimensions");
      }
      shape.push_back(parse_dimension());
      skip_space();
      if (consume(')')) break;
      expect(',');
    }
    return shape;
  }

  // A bracketed value, brackets balanced and quoted text skipped; returned as written.
  std::string skip_bracketed() {
    const size_t start = pos_;
    int depth = 0;
    do {
      if (at_end()) fail("unbalanced brackets in 'descr'");
      const char c = text_[pos_];
      if (c == '\'' || c == '"') {
        parse_string();
        continue;
      }
      if (c == '[' || c == '(') ++depth;
      if (c == ']' || c == ')') --depth;
      ++pos_;
    } while (depth > 0);
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
};

// What a NumPy type code means, for error messages: "i4" -> "int32".
std::string describe_type_code(const std::string& code) {
  if (code.empty()) return "empty dtype";
  const char kind = code[0];
  const std::string size = code.substr(1);
  auto bits = [&]() -> std::string {
    if (size.empty() || size.size() > 2 || !std::all_of(size.begin(), size.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "?";
    }
    return std::to_string(8 * std::stoi(size));
  };
  switch (kind) {
    case 'f': return size == "16" ? "long double" : "float" + bits();
    case 'i': return "int" + bits();
    case 'u': return "uint" + bits();
    case 'c': return "complex" + bits();
    case 'b': return "bool";
    case '?': return "bool";
    case 'O': return "Python objects (pickled)";
    case 'U': return "unicode string";
    case 'S': return "byte string";
    case 'V': return "void/raw bytes";
    case 'M': return "datetime64";
    case 'm': return "timedelta64";
    default: return "unknown type code";
  }
}

constexpr const char* kSupported =
    "float32 ('<f4'), float64 ('<f8'), int8 ('|i1'), uint8 ('|u1'), int32 ('<i4') and "
    "bfloat16 ('<V2', as ml_dtypes writes it)";

// The supported type codes (without the byte-order character) and their dtypes.
struct TypeCode {
  const char* code;
  DType dtype;
};
constexpr TypeCode kTypeCodes[] = {{"f4", DType::f32}, {"f8", DType::f64}, {"i1", DType::s8},
                                   {"u1", DType::u8},  {"i4", DType::s32}, {"V2", DType::bf16}};

DType parse_descr(const HeaderFields& fields, const std::string& source) {
  if (fields.structured_descr) {
    throw DTypeError(source + ": unsupported dtype " + quote(*fields.structured_descr, 48) +
                     " (structured or sub-array): only " + kSupported + " arrays are supported");
  }
  const std::string& descr = *fields.descr;
  char order = '=';
  std::string code = descr;
  if (!descr.empty() && std::strchr("<>=|", descr[0]) != nullptr) {
    order = descr[0];
    code = descr.substr(1);
  }
  for (const TypeCode& t : kTypeCodes) {
    if (code != t.code) continue;
    // One-byte types have no byte order ('|'; '<' and '>' are meaningless but harmless); the
    // void bytes of a bfloat16 are little-endian however NumPy spells their order.
    if (order == '>' && dtype_size(t.dtype) > 1 && t.dtype != DType::bf16) {
      throw DTypeError(source + ": unsupported dtype " + quote(descr) + " (big-endian " +
                       describe_type_code(code) + "): only little-endian data is supported; "
                       "convert with a.astype('<" + code + "')");
    }
    return t.dtype;
  }
  throw DTypeError(source + ": unsupported dtype " + quote(descr) + " (" +
                   describe_type_code(code) + "): only " + kSupported + " are supported");
}

}  // namespace

Tensor read_npy(NpyInput& input, const std::string& source) {
  const uint64_t total = input.size();
  unsigned char preamble[12] = {};
  const size_t first = static_cast<size_t>(std::min<uint64_t>(total, 8));
  input.read(preamble, first);
  const size_t magic_seen = std::min(first, kMagicBytes);
  if (std::memcmp(preamble, kMagic, magic_seen) != 0) {
    fail(source, "not a .npy file: it starts with " +
                     quote(std::string_view(reinterpret_cast<char*>(preamble), first)) +
                     " instead of '\\x93NUMPY'");
  }
  if (first < 8) {
    truncated(source, std::to_string(total) + " bytes, shorter than the 10-byte .npy preamble");
  }
  const int major = preamble[6], minor = preamble[7];
  if (major < 1 || major > 3 || minor != 0) {
    fail(source, "unsupported .npy format version " + std::to_string(major) + "." +
                     std::to_string(minor) + " (versions 1.0, 2.0 and 3.0 are read)");
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  const uint64_t header_offset = 8 + length_bytes;
  if (total < header_offset) {
    truncated(source, std::to_string(total) + " bytes end inside the preamble");
  }
  input.read(preamble + 8, length_bytes);
  uint64_t header_bytes = 0;
  for (size_t i = 0; i < length_bytes; ++i) {
    header_bytes |= static_cast<uint64_t>(preamble[8 + i]) << (8 * i);
  }
  if (header_bytes > kMaxHeaderBytes) {
    fail(source, "implausible header length " + std::to_string(header_bytes) + " (limit " +
                     std::to_string(kMaxHeaderBytes) + " bytes)");
  }
  if (total - header_offset < header_bytes) {
    truncated(source, "the header claims " + std::to_string(header_bytes) + " bytes but only " +
                          std::to_string(total - header_offset) + " follow the preamble");
  }
  std::string header(header_bytes, '\0');
  input.read(header.data(), header.size());

  const HeaderFields fields = HeaderParser(header, source).parse();
  auto require = [&](bool present, const char* key) {
    if (!present) fail(source, std::string("malformed .npy header: no '") + key + "' key");
  };
  require(fields.descr || fields.structured_descr, "descr");
  require(fields.fortran_order.has_value(), "fortran_order");
  require(fields.shape.has_value(), "shape");
  const DType dtype = parse_descr(fields, source);
  const Shape& shape = *fields.shape;
  // NumPy's rule, zero-size arrays included: the non-zero dimensions' product times the
  // element size fits in int64.
  int64_t extent = dtype_size(dtype), numel = 1;
  for (int64_t d : shape) {
    if (d > 0 && __builtin_mul_overflow(extent, d, &extent)) {
      fail(source, "shape " + shape_str(shape) + " is too large for " + dtype_name(dtype) +
                       ": the non-zero dimensions' product times the element size must be "
                       "< 2^63");
    }
    numel *= d;  // cannot overflow: numel is 0 or at most extent, checked above
  }
  const int64_t data_bytes = numel == 0 ? 0 : extent;
  const uint64_t available = total - header_offset - header_bytes;
  const std::string promised = "the header promises " + std::string(dtype_name(dtype)) + " " +
                               shape_str(shape) + " = " + std::to_string(data_bytes) + " bytes";
  if (available < static_cast<uint64_t>(data_bytes)) {
    truncated(source, promised + " of data but only " + std::to_string(available) + " follow");
  }
  if (available > static_cast<uint64_t>(data_bytes)) {
    fail(source, promised + " of data but " + std::to_string(available) +
                     " follow (unexpected trailing bytes)");
  }

  const bool fortran = *fields.fortran_order && shape.size() > 1;
  Shape stored_shape = shape;
  if (fortran) std::reverse(stored_shape.begin(), stored_shape.end());
  Tensor tensor = Tensor::empty(stored_shape, dtype);
  if (data_bytes > 0) input.read(tensor.raw_data(), static_cast<size_t>(data_bytes));
  input.finish();
  if (!fortran) return tensor;
  // Fortran order is C order of the reversed shape: reverse the axes back, then copy.
  std::vector<int64_t> axes(shape.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(axes.size() - 1 - i);
  return tensor.permute(axes).contiguous();
}

std::string npy_header(const Shape& shape, DType dtype) {
  if (shape.size() > kMaxRank) {
    throw ValueError("cannot write a .npy array of rank " + std::to_string(shape.size()) +
                     ": NumPy reads at most " + std::to_string(kMaxRank) + " dimensions");
  }
  std::string dict = "{'descr': '";
  for (const TypeCode& t : kTypeCodes) {
    if (t.dtype != dtype) continue;
    dict += dtype_size(dtype) == 1 ? '|' : '<';
    dict += t.code;
  }
  dict += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  dict += shape.size() == 1 ? ",), }" : "), }";
  const size_t preamble_bytes = kMagicBytes + 2 + 2;  // magic, version 1.0, uint16 length
  const size_t unpadded = preamble_bytes + dict.size() + 1;  // + the final '\n'
  dict.append((kArrayAlign - unpadded % kArrayAlign) % kArrayAlign, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicBytes);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>(dict.size() >> 8));
  return out + dict;
}

void write_npy_data(const Tensor& tensor, const std::function<void(const char*, size_t)>& sink) {
  if (tensor.numel() == 0) return;
  if (tensor.is_contiguous()) {
    sink(static_cast<const char*>(tensor.raw_data()), static_cast<size_t>(tensor.nbytes()));
    return;
  }
  visit_any_dtype(tensor.dtype(), [&](auto zero) {
    using T = decltype(zero);
    constexpr size_t kChunk = 16384;  // elements gathered per sink call
    const T* base = tensor.data<T>();
    std::vector<T> chunk;
    chunk.reserve(kChunk);
    auto flush = [&] {
      sink(reinterpret_cast<const char*>(chunk.data()), chunk.size() * sizeof(T));
      chunk.clear();
    };
    for_each_offset(tensor.shape(), tensor.strides(), [&](int64_t offset) {
      chunk.push_back(base[offset]);
      if (chunk.size() == kChunk) flush();
    });
    if (!chunk.empty()) flush();
  });
}

}  // namespace tinyaccel::io
