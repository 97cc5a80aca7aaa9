// Interoperability with NumPy itself (Debian's /usr/bin/python3 + python3-numpy): files NumPy
// writes are read here with the same values, files written here load in NumPy. Without NumPy
// these tests fail, saying so: they must not pass by not running.
#include <gtest/gtest.h>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"

using namespace tinyaccel;
using tinyaccel::testing::numpy_missing;
using tinyaccel::testing::pattern_tensor;
using tinyaccel::testing::run_python;
using tinyaccel::testing::TempDir;

namespace {

// pat(shape, dtype): the values pattern_tensor() makes, in NumPy.
constexpr const char* kPattern = R"(
import sys
import numpy as np

def pat(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float64) * 0.25 - 3.5).reshape(shape).astype(dtype)
)";

struct Case {
  const char* file;
  Shape shape;
  DType dtype;
};

// What NumPy writes below, file by file: C and Fortran order, 0-d, zero-size, format 2.0/3.0.
const std::vector<Case> kNumpyNpyFiles = {
    {"c_f4.npy", {3, 5}, DType::f32},          {"c_f8.npy", {2, 3, 4}, DType::f64},
    {"fortran_f4.npy", {4, 3}, DType::f32},    {"fortran_f8.npy", {2, 3, 4, 5}, DType::f64},
    {"rank5.npy", {2, 1, 3, 1, 2}, DType::f32}, {"vector.npy", {7}, DType::f64},
    {"scalar.npy", {}, DType::f32},            {"empty.npy", {3, 0, 2}, DType::f64},
    {"v2.npy", {2, 2}, DType::f32},            {"v3.npy", {2, 2}, DType::f64},
};

constexpr const char* kWriteNpy = R"(
d = sys.argv[1]
np.save(d + '/c_f4.npy', pat((3, 5), '<f4'))
np.save(d + '/c_f8.npy', pat((2, 3, 4), '<f8'))
np.save(d + '/fortran_f4.npy', np.asfortranarray(pat((4, 3), '<f4')))
np.save(d + '/fortran_f8.npy', np.asfortranarray(pat((2, 3, 4, 5), '<f8')))
np.save(d + '/rank5.npy', pat((2, 1, 3, 1, 2), '<f4'))
np.save(d + '/vector.npy', pat((7,), '<f8'))
np.save(d + '/scalar.npy', pat((), '<f4'))
np.save(d + '/empty.npy', pat((3, 0, 2), '<f8'))
for version, dtype in [((2, 0), '<f4'), ((3, 0), '<f8')]:
    with open(d + '/v%d.npy' % version[0], 'wb') as f:
        np.lib.format.write_array(f, pat((2, 2), dtype), version=version)
np.save(d + '/sliced.npy', pat((6, 4), '<f4')[::2, 1::2])
np.save(d + '/int16.npy', np.arange(3, dtype='<i2'))
np.save(d + '/big_endian.npy', np.arange(3, dtype='>f4'))
np.save(d + '/half.npy', np.arange(3, dtype='<f2'))
np.save(d + '/objects.npy', np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save(d + '/structured.npy', np.zeros(2, dtype=[('x', '<f4'), ('y', '<f8')]))
np.savez(d + '/stored.npz', weight=pat((3, 4), '<f4'), bias=pat((4,), '<f8'),
         scalar=pat((), '<f4'), fortran=np.asfortranarray(pat((2, 5), '<f8')))
np.savez_compressed(d + '/deflated.npz', weight=pat((3, 4), '<f4'), bias=pat((4,), '<f8'),
                    scalar=pat((), '<f4'), fortran=np.asfortranarray(pat((2, 5), '<f8')))
np.savez(d + '/positional.npz', pat((2, 2), '<f4'), pat((3,), '<f8'))
np.savez(d + '/with_ints.npz', ok=pat((2,), '<f4'), counts=np.arange(4, dtype='<i8'))
print('written')
)";

void expect_values(const Tensor& actual, const Shape& shape, DType dtype) {
  EXPECT_EQ(actual.shape(), shape);
  EXPECT_EQ(actual.dtype(), dtype);
  EXPECT_EQ(actual.to_vector(), pattern_tensor(shape, dtype).to_vector());
}

TEST(NumpyInterop, ReadsWhatNumpyWrites) {
  ASSERT_EQ(numpy_missing(), "");
  TempDir dir;
  const auto written = run_python(dir, std::string(kPattern) + kWriteNpy, dir.path().string());
  ASSERT_EQ(written.status, 0) << written.output;

  for (const Case& c : kNumpyNpyFiles) {
    SCOPED_TRACE(c.file);
    expect_values(load_npy(dir.file(c.file)), c.shape, c.dtype);
  }
  EXPECT_EQ(load_npy(dir.file("sliced.npy")).to_vector(),
            pattern_tensor({6, 4}, DType::f32).slice(0, 0, 6, 2).slice(1, 1, 4, 2).to_vector());
  const std::pair<const char*, const char*> rejected[] = {
      {"int16.npy", "'<i2' (int16)"},
      {"big_endian.npy", "'>f4' (big-endian float32)"},
      {"half.npy", "'<f2' (float16)"},
      {"objects.npy", "'|O' (Python objects (pickled))"},
      {"structured.npy", "structured"},
  };
  for (const auto& [file, expected] : rejected) {
    try {
      load_npy(dir.file(file));
      ADD_FAILURE() << file << " was read";
    } catch (const DTypeError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }

  for (const char* archive : {"stored.npz", "deflated.npz"}) {
    SCOPED_TRACE(archive);
    const NamedTensors t = load_npz(dir.file(archive));
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[0].first, "weight");  // archive order, ".npy" dropped
    EXPECT_EQ(t[3].first, "fortran");
    expect_values(find_tensor(t, "weight"), {3, 4}, DType::f32);
    expect_values(find_tensor(t, "bias"), {4}, DType::f64);
    expect_values(find_tensor(t, "scalar"), {}, DType::f32);
    expect_values(find_tensor(t, "fortran"), {2, 5}, DType::f64);
  }
  const NamedTensors positional = load_npz(dir.file("positional.npz"));
  ASSERT_EQ(positional.size(), 2u);
  EXPECT_EQ(positional[0].first, "arr_0");
  expect_values(positional[1].second, {3}, DType::f64);
  try {
    load_npz(dir.file("with_ints.npz"));
    ADD_FAILURE() << "with_ints.npz was read";
  } catch (const DTypeError& e) {
    EXPECT_NE(std::string(e.what()).find("counts.npy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
  }
}

constexpr const char* kCheck = R"(
d = sys.argv[1]
def check(got, expected, what):
    assert got.dtype == expected.dtype, (what, got.dtype, expected.dtype)
    assert got.shape == expected.shape, (what, got.shape, expected.shape)
    assert np.array_equal(got, expected), (what, got, expected)
for name, expected in NPY.items():
    with open(d + '/' + name, 'rb') as f:
        assert np.lib.format.read_magic(f) == (1, 0), name
    check(np.load(d + '/' + name), expected, name)
for name, members in NPZ.items():
    with np.load(d + '/' + name) as z:
        assert list(z.keys()) == list(members.keys()), (name, list(z.keys()))
        for key, expected in members.items():
            check(z[key], expected, name + ':' + key)
print('checked', len(NPY), 'npy and', len(NPZ), 'npz files')
)";

TEST(NumpyInterop, NumpyReadsWhatWeWrite) {
  ASSERT_EQ(numpy_missing(), "");
  TempDir dir;
  const Tensor base = pattern_tensor({4, 6, 5}, DType::f64);
  save_npy(dir.file("f4.npy"), pattern_tensor({3, 5}, DType::f32));
  save_npy(dir.file("f8.npy"), pattern_tensor({2, 3, 4}, DType::f64));
  save_npy(dir.file("scalar.npy"), pattern_tensor({}, DType::f64));
  save_npy(dir.file("empty.npy"), pattern_tensor({0, 3}, DType::f32));
  save_npy(dir.file("rank5.npy"), pattern_tensor({2, 1, 2, 3, 2}, DType::f32));
  save_npy(dir.file("transposed.npy"), base.transpose(0, 2));
  save_npy(dir.file("sliced.npy"), base.slice(1, 1, 6, 2).slice(2, 0, 5, 3));
  save_npy(dir.file("broadcast.npy"), pattern_tensor({1, 3}, DType::f32).broadcast_to({4, 3}));
  const NamedTensors members = {{"weight", pattern_tensor({3, 4}, DType::f32)},
                                {"bias", pattern_tensor({4}, DType::f64)},
                                {"view", base.permute({2, 0, 1})}};
  save_npz(dir.file("stored.npz"), members, false);
  save_npz(dir.file("deflated.npz"), members, true);
  save_npz(dir.file("none.npz"), {});

  const std::string expectations = R"(
B = pat((4, 6, 5), '<f8')
NPY = {
    'f4.npy': pat((3, 5), '<f4'),
    'f8.npy': pat((2, 3, 4), '<f8'),
    'scalar.npy': pat((), '<f8'),
    'empty.npy': pat((0, 3), '<f4'),
    'rank5.npy': pat((2, 1, 2, 3, 2), '<f4'),
    'transposed.npy': B.transpose(2, 1, 0),
    'sliced.npy': B[:, 1:6:2, 0:5:3],
    'broadcast.npy': np.broadcast_to(pat((1, 3), '<f4'), (4, 3)),
}
MEMBERS = {'weight': pat((3, 4), '<f4'), 'bias': pat((4,), '<f8'), 'view': B.transpose(2, 0, 1)}
NPZ = {'stored.npz': MEMBERS, 'deflated.npz': MEMBERS, 'none.npz': {}}
)";
  const auto checked =
      run_python(dir, std::string(kPattern) + expectations + kCheck, dir.path().string());
  EXPECT_EQ(checked.status, 0) << checked.output;
  EXPECT_NE(checked.output.find("checked 8 npy and 3 npz files"), std::string::npos)
      << checked.output;
}

}  // namespace
