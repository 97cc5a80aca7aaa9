// Malformed .npy input: every fault is an IoError or DTypeError that says what is wrong, never a
// crash, an over-read or an allocation the input cannot back.
#include <gtest/gtest.h>

#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"

using namespace tinyaccel;
using tinyaccel::testing::pattern_tensor;

namespace {

std::string with_header(const std::string& dict, const std::string& data) {
  std::string header = dict + "\n";
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

std::string dict_for(const std::string& descr, const std::string& shape = "(2,)",
                     const std::string& fortran = "False") {
  return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

// Parses `bytes` from an exact-size heap copy, so ASan reports any read past its end, and
// returns the message of the expected exception type (empty, with a failure, otherwise).
template <typename Error>
std::string error_of(const std::string& bytes) {
  std::vector<char> exact(bytes.begin(), bytes.end());
  try {
    parse_npy(exact.data(), exact.size(), "bad.npy");
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

void expect_contains(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
}

TEST(NpyErrors, EveryTruncationIsAnIoError) {
  for (const Tensor& t : {pattern_tensor({3, 4}, DType::f32), pattern_tensor({}, DType::f64)}) {
    const std::string bytes = serialize_npy(t);
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::string message = error_of<IoError>(bytes.substr(0, n));
      expect_contains(message, "bad.npy");
      expect_contains(message, "truncated");
    }
  }
}

TEST(NpyErrors, WrongMagicAndVersion) {
  std::string bytes = serialize_npy(Tensor({2}));
  std::string png = bytes;
  png.replace(0, 6, "\x89PNG\r\n");
  expect_contains(error_of<IoError>(png), "not a .npy file");
  expect_contains(error_of<IoError>("PK\x03\x04 this is a zip"), "not a .npy file");
  expect_contains(error_of<IoError>("hello"), "not a .npy file");
  std::string v4 = bytes;
  v4[6] = 4;
  expect_contains(error_of<IoError>(v4), "unsupported .npy format version 4.0");
  std::string v11 = bytes;
  v11[7] = 1;
  expect_contains(error_of<IoError>(v11), "version 1.1");
}

TEST(NpyErrors, LyingHeadersAllocateNothing) {
  // A header length far beyond the file, and beyond any sane header.
  std::string long_header = serialize_npy(Tensor({2}));
  long_header[8] = '\xff';
  long_header[9] = '\xff';
  const std::string v2 = std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12) + "{}";
  reset_peak_memory();
  const int64_t before = memory_stats().peak_bytes;
  expect_contains(error_of<IoError>(long_header), "truncated");
  expect_contains(error_of<IoError>(v2), "implausible header length");
  // A terabyte promised, eight bytes delivered.
  const std::string huge = with_header(dict_for("'<f4'", "(1000000, 1000000)"), "12345678");
  const std::string message = error_of<IoError>(huge);
  expect_contains(message, "truncated");
  expect_contains(message, "(1000000,1000000)");
  expect_contains(message, "only 8 follow");
  // Element and byte counts that overflow int64, also when another dimension is 0 (NumPy
  // refuses those too).
  expect_contains(error_of<IoError>(with_header(
                      dict_for("'<f8'", "(4294967296, 4294967296, 4294967296)"), "")),
                  "is too large for float64");
  expect_contains(error_of<IoError>(with_header(dict_for("'<f8'", "(9223372036854775807,)"), "")),
                  "must be < 2^63");
  expect_contains(error_of<IoError>(with_header(dict_for("'<f4'", "(0, 4611686018427387904)"), "")),
                  "must be < 2^63");
  expect_contains(error_of<IoError>(with_header(dict_for("'<f8'", "(99999999999999999999,)"), "")),
                  "overflows int64");
  EXPECT_EQ(memory_stats().peak_bytes, before);
  EXPECT_EQ(memory_stats().allocations, 0);
}

TEST(NpyErrors, DataSizeMustMatchTheHeader) {
  const std::string data(12, '\0');
  expect_contains(error_of<IoError>(with_header(dict_for("'<f4'", "(4,)"), data)),
                  "only 12 follow");
  expect_contains(error_of<IoError>(with_header(dict_for("'<f4'", "(2,)"), data)),
                  "unexpected trailing bytes");
}

TEST(NpyErrors, MalformedHeaders) {
  const std::string data(8, '\0');
  const std::pair<std::string, std::string> cases[] = {
      {"", "expected '{'"},
      {"[1, 2]", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "no 'shape' key"},
      {"{'fortran_order': False, 'shape': (2,)}", "no 'descr' key"},
      {"{'descr': '<f4', 'shape': (2,)}", "no 'fortran_order' key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "expected '('"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", "expected ','"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "after the closing"},
      {"{'descr': \"<f4", "unterminated string"},
      {"{'descr': [('a', '<f4'), 'fortran_order': False, 'shape': (2,)}", "unbalanced"},
  };
  for (const auto& [dict, expected] : cases) {
    SCOPED_TRACE(dict);
    const std::string message = error_of<IoError>(with_header(dict, data));
    expect_contains(message, "malformed .npy header");
    expect_contains(message, expected);
  }
  std::string dims;
  for (int i = 0; i < 65; ++i) dims += "1,";
  expect_contains(error_of<IoError>(with_header(dict_for("'<f4'", "(" + dims + ")"), data)),
                  "more than 64 dimensions");
  // Control bytes from the file are escaped, so the message stays on one line.
  expect_contains(error_of<IoError>(with_header("{'descr\n\x01'", data)), "\\x01");
}

TEST(NpyErrors, UnsupportedDTypesAreNamed) {
  const std::pair<std::string, std::string> cases[] = {
      {"'<i2'", "'<i2' (int16)"},
      {"'<i8'", "'<i8' (int64)"},
      {"'<u2'", "'<u2' (uint16)"},
      {"'>i4'", "'>i4' (big-endian int32)"},
      {"'|V4'", "'|V4' (void/raw bytes)"},
      {"'<f2'", "'<f2' (float16)"},
      {"'<f16'", "'<f16' (long double)"},
      {"'<c8'", "'<c8' (complex64)"},
      {"'|b1'", "'|b1' (bool)"},
      {"'|O'", "'|O' (Python objects (pickled))"},
      {"'<U3'", "unicode string"},
      {"'<M8[ns]'", "datetime64"},
      {"'>f4'", "'>f4' (big-endian float32)"},
      {"'>f8'", "'>f8' (big-endian float64)"},
      {"'<x9'", "unknown type code"},
      {"''", "empty dtype"},
      {"[('x', '<f4'), ('y', '<f8')]", "structured"},
  };
  for (const auto& [descr, expected] : cases) {
    SCOPED_TRACE(descr);
    const std::string message =
        error_of<DTypeError>(with_header(dict_for(descr), std::string(64, '\0')));
    expect_contains(message, "bad.npy");
    expect_contains(message, expected);
    expect_contains(message, "only");
  }
  expect_contains(error_of<DTypeError>(with_header(dict_for("'>f4'"), std::string(8, '\0'))),
                  "astype('<f4')");
}

}  // namespace
