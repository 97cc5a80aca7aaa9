// .npy round trips through memory and files: dtypes, ranks 0..5, zero-size, strided views,
// Fortran order, header versions and spellings, atomic writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"

using namespace tinyaccel;
using tinyaccel::testing::pattern_tensor;
using tinyaccel::testing::read_bytes;
using tinyaccel::testing::TempDir;
using tinyaccel::testing::write_bytes;

namespace {

// Same shape, dtype and bits (NaN payloads and signed zeros included).
void expect_identical(const Tensor& expected, const Tensor& actual) {
  ASSERT_EQ(expected.shape(), actual.shape());
  ASSERT_EQ(expected.dtype(), actual.dtype());
  const Tensor e = expected.contiguous(), a = actual.contiguous();
  ASSERT_EQ(e.nbytes(), a.nbytes());
  if (e.nbytes() > 0) {
    EXPECT_EQ(std::memcmp(e.raw_data(), a.raw_data(), static_cast<size_t>(e.nbytes())), 0);
  }
}

// A .npy file with a hand-written header dict (version 1.0), padded like NumPy's.
std::string npy_with_header(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t preamble = major == 1 ? 10 : 12;
  while ((preamble + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  const size_t length_bytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < length_bytes; ++i) out.push_back(static_cast<char>(header.size() >> (8 * i)));
  return out + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

class NpyRoundTrip : public ::testing::TestWithParam<std::tuple<DType, Shape>> {};

TEST_P(NpyRoundTrip, MemoryAndFile) {
  const auto& [dtype, shape] = GetParam();
  const Tensor t = pattern_tensor(shape, dtype);
  const std::string bytes = serialize_npy(t);
  expect_identical(t, parse_npy(bytes.data(), bytes.size()));
  TempDir dir;
  save_npy(dir.file("t.npy"), t);
  EXPECT_EQ(read_bytes(dir.file("t.npy")), bytes);
  expect_identical(t, load_npy(dir.file("t.npy")));
}

INSTANTIATE_TEST_SUITE_P(
    DTypesAndRanks, NpyRoundTrip,
    ::testing::Combine(::testing::Values(DType::f32, DType::f64),
                       ::testing::Values(Shape{}, Shape{1}, Shape{7}, Shape{3, 5}, Shape{2, 3, 4},
                                         Shape{2, 1, 3, 2}, Shape{1, 2, 3, 2, 2}, Shape{0},
                                         Shape{3, 0}, Shape{2, 0, 5}, Shape{0, 0, 0, 0, 0})));

TEST(Npy, HeaderIsNumpysAndAligned) {
  const std::string bytes = serialize_npy(Tensor({2, 3}, DType::f32));
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) |
                            static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes.size(), 10 + header_len + 6 * 4);
  const std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_NE(serialize_npy(Tensor({4}, DType::f64)).find("'<f8'"), std::string::npos);
  EXPECT_NE(serialize_npy(Tensor({4})).find("'shape': (4,)"), std::string::npos);
  EXPECT_NE(serialize_npy(Tensor(Shape{})).find("'shape': ()"), std::string::npos);
}

TEST(Npy, EdgeValuesSurviveBitForBit) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor f = Tensor::from_vector(
      {6}, std::vector<float>{0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::denorm_min()});
  const std::string bytes = serialize_npy(f);
  expect_identical(f, parse_npy(bytes.data(), bytes.size()));
  const Tensor d = Tensor::from_vector(
      {3}, std::vector<double>{std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::denorm_min(), -1e-300});
  const std::string dbytes = serialize_npy(d);
  expect_identical(d, parse_npy(dbytes.data(), dbytes.size()));
}

TEST(Npy, StridedViewsAreWrittenInLogicalOrder) {
  const Tensor base = pattern_tensor({4, 6, 5}, DType::f64);
  const std::vector<Tensor> views = {
      base.transpose(0, 2),
      base.slice(1, 1, 6, 2),
      base.permute({1, 2, 0}).slice(2, 0, 4, 3),
      Tensor::from_vector({1, 3}, std::vector<float>{1, 2, 3}).broadcast_to({4, 3}),
      base.slice(0, 2, 2),  // zero-size view
  };
  TempDir dir;
  for (const Tensor& view : views) {
    SCOPED_TRACE(shape_str(view.shape()));
    const std::string bytes = serialize_npy(view);
    expect_identical(view.clone(), parse_npy(bytes.data(), bytes.size()));
    save_npy(dir.file("v.npy"), view);
    const Tensor back = load_npy(dir.file("v.npy"));
    EXPECT_TRUE(back.is_contiguous());
    EXPECT_EQ(back.to_vector(), view.to_vector());
  }
}

TEST(Npy, FortranOrderGivesTheSameValuesInCOrder) {
  // The array [[0, 1, 2], [3, 4, 5]] stored column by column.
  const std::string file = npy_with_header(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", raw<float>({0, 3, 1, 4, 2, 5}));
  const Tensor t = parse_npy(file.data(), file.size());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5}));

  // Rank 3: element (i, j, k) at offset i + 2j + 6k.
  std::vector<double> column_major(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) column_major[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
  const std::string file3 = npy_with_header(
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", raw(column_major));
  const Tensor t3 = parse_npy(file3.data(), file3.size());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(t3.get({i, j, k}), 100 * i + 10 * j + k);

  for (const char* shape : {"()", "(3,)", "(0, 4)"}) {
    const Shape expected = std::string(shape) == "()"     ? Shape{}
                           : std::string(shape) == "(3,)" ? Shape{3}
                                                          : Shape{0, 4};
    const std::string f = npy_with_header(std::string("{'descr': '<f4', 'fortran_order': True, "
                                                      "'shape': ") + shape + ", }",
                                          std::string(4 * shape_numel(expected), '\0'));
    EXPECT_EQ(parse_npy(f.data(), f.size()).shape(), expected) << shape;
  }
}

TEST(Npy, HeaderVersionsAndSpellings) {
  const std::string data = raw<float>({1.5f, -2.0f});
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  for (int major : {1, 2, 3}) {
    const std::string f = npy_with_header(dict, data, major);
    EXPECT_EQ(parse_npy(f.data(), f.size()).to_vector(), (std::vector<double>{1.5, -2.0}));
  }
  // Native and not-applicable byte orders, no order at all, other key orders, double quotes,
  // Python 2 long suffixes, no padding, no trailing comma: all mean the same array.
  for (const char* spelling : {
           "{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }",
           "{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }",
           "{'descr': 'f4', 'fortran_order': False, 'shape': (2,)}",
           "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}",
           "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L,)}",
           "{'descr':'<f4','fortran_order':False,'shape':(2,),}",
       }) {
    const std::string f = npy_with_header(spelling, data);
    EXPECT_EQ(parse_npy(f.data(), f.size()).to_vector(), (std::vector<double>{1.5, -2.0}))
        << spelling;
  }
  std::string unpadded = std::string("\x93NUMPY\x01\x00", 8);
  const std::string short_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}";
  unpadded.push_back(static_cast<char>(short_dict.size()));
  unpadded.push_back('\0');
  unpadded += short_dict + data;
  EXPECT_EQ(parse_npy(unpadded.data(), unpadded.size()).numel(), 2);
}

TEST(Npy, FileErrorsNameThePath) {
  TempDir dir;
  try {
    load_npy(dir.file("missing.npy"));
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.npy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  try {
    load_npy(dir.path().string());
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
  write_bytes(dir.file("short.npy"), "\x93NUMPY");
  try {
    load_npy(dir.file("short.npy"));
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("short.npy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(Npy, FailedSaveLeavesNoFileAndNoTemporary) {
  TempDir dir;
  const Tensor t = pattern_tensor({3, 3}, DType::f32);
  // The target is a directory: the rename fails after the temporary was written.
  std::filesystem::create_directory(dir.path() / "taken");
  EXPECT_THROW(save_npy(dir.file("taken"), t), IoError);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"taken"}));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "taken"));
  // The directory does not exist: nothing can be created.
  EXPECT_THROW(save_npy(dir.file("no/such/dir/t.npy"), t), IoError);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"taken"}));
  // A directory we may not write to (root may write anywhere, so only checked for others).
  if (geteuid() != 0) {
    const auto locked = dir.path() / "locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_exec);
    EXPECT_THROW(save_npy((locked / "t.npy").string(), t), IoError);
    EXPECT_TRUE(std::filesystem::is_empty(locked));
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
    std::filesystem::remove(locked);
  }
  // An existing file is replaced whole, or left as it was when the write fails.
  save_npy(dir.file("t.npy"), t);
  const std::string before = read_bytes(dir.file("t.npy"));
  EXPECT_THROW(save_npy(dir.file("t.npy"), Tensor(Shape(65, 1))), ValueError);  // rank > 64
  EXPECT_EQ(read_bytes(dir.file("t.npy")), before);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"t.npy", "taken"}));
}

}  // namespace
