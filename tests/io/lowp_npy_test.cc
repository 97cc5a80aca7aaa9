// .npy/.npz for the storage dtypes: int8/uint8/int32 with NumPy's native descrs, bfloat16 as the
// 2-byte void array numpy.save writes for ml_dtypes.bfloat16; round trips here, with NumPy, and
// with PyTorch through the int16 view its users apply.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"

using namespace tinyaccel;
using tinyaccel::testing::numpy_missing;
using tinyaccel::testing::run_python;
using tinyaccel::testing::TempDir;

namespace {

// Every representable value of each type appears: -128..127, 0..255, int32 extremes, and for
// bfloat16 every bit pattern (NaNs with payloads, ±Inf, denormals).
Tensor extremes(DType dtype) {
  if (dtype == DType::bf16) {
    Tensor t({256, 256}, DType::bf16);
    for (int i = 0; i < 65536; ++i) t.data<BFloat16>()[i].bits = static_cast<uint16_t>(i);
    return t;
  }
  if (dtype == DType::s32) {
    Tensor t({2, 3}, DType::s32);
    const int32_t v[] = {INT32_MIN, -1, 0, 1, 123456789, INT32_MAX};
    std::copy(std::begin(v), std::end(v), t.data<int32_t>());
    return t;
  }
  Tensor t({16, 16}, dtype);
  for (int i = 0; i < 256; ++i) t.set({i / 16, i % 16}, dtype == DType::s8 ? i - 128 : i);
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(ac.raw_data(), bc.raw_data(), static_cast<size_t>(ac.nbytes())) == 0;
}

TEST(LowpNpy, HeadersAndRoundTrips) {
  const std::pair<DType, const char*> cases[] = {
      {DType::s8, "'|i1'"}, {DType::u8, "'|u1'"}, {DType::s32, "'<i4'"}, {DType::bf16, "'<V2'"}};
  for (const auto& [dtype, descr] : cases) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor t = extremes(dtype);
    const std::string bytes = serialize_npy(t);
    EXPECT_NE(bytes.find(std::string("'descr': ") + descr), std::string::npos) << bytes.substr(0, 80);
    EXPECT_TRUE(same_bytes(parse_npy(bytes.data(), bytes.size()), t));
    // A strided view is written in logical order.
    const Tensor view = t.mT().slice(0, 1, t.shape()[1], 2);
    const std::string vb = serialize_npy(view);
    EXPECT_TRUE(same_bytes(parse_npy(vb.data(), vb.size()), view));
  }
  const NamedTensors members = {{"q", extremes(DType::s8)}, {"b", extremes(DType::bf16)}};
  const std::string zip = serialize_npz(members, true);
  const NamedTensors back = parse_npz(zip.data(), zip.size());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(same_bytes(back[0].second, members[0].second));
  EXPECT_TRUE(same_bytes(back[1].second, members[1].second));
}

TEST(LowpNpy, NumpyAndTorchRoundTrips) {
  ASSERT_EQ(numpy_missing(), "");
  TempDir dir;
  for (DType dtype : {DType::s8, DType::u8, DType::s32, DType::bf16}) {
    save_npy(dir.file(std::string("ours_") + dtype_name(dtype) + ".npy"), extremes(dtype));
  }
  // NumPy reads ours with the same values (bfloat16: the same bit patterns, viewed as uint16),
  // writes its own, and PyTorch maps the void bytes onto torch.bfloat16 exactly.
  const std::string script = R"(
import sys
import numpy as np
d = sys.argv[1]
i8 = np.load(d + '/ours_int8.npy'); assert i8.dtype == np.int8 and i8.shape == (16, 16)
assert (i8.ravel() == np.arange(-128, 128)).all()
u8 = np.load(d + '/ours_uint8.npy'); assert u8.dtype == np.uint8 and (u8.ravel() == np.arange(256)).all()
i32 = np.load(d + '/ours_int32.npy'); assert i32.dtype == np.int32
assert list(i32.ravel()) == [-2**31, -1, 0, 1, 123456789, 2**31 - 1]
bf = np.load(d + '/ours_bfloat16.npy'); assert bf.dtype == np.dtype('V2') and bf.shape == (256, 256)
assert (bf.view('<u2').ravel() == np.arange(65536)).all()
np.save(d + '/np_int8.npy', (np.arange(12, dtype=np.int64) * 23 - 128).astype(np.int8).reshape(3, 4))
np.save(d + '/np_uint8_f.npy', np.asfortranarray(np.arange(12, dtype=np.uint8).reshape(3, 4) * 21))
np.save(d + '/np_int32.npy', np.array([[-7, 2**31 - 1]], dtype='<i4'))
# What numpy.save writes for an ml_dtypes.bfloat16 array: descr '<V2', little-endian patterns.
bits = np.array([0x3F80, 0xC040, 0x7FC0, 0xFF80, 0x0001, 0x8000], dtype='<u2')
with open(d + '/np_bf16.npy', 'wb') as f:
    np.lib.format.write_array_header_1_0(f, {'descr': '<V2', 'fortran_order': False, 'shape': (2, 3)})
    f.write(bits.tobytes())
try:
    import torch
except ImportError:
    print('no torch'); sys.exit(0)
t = torch.from_numpy(np.ascontiguousarray(bf.view(np.int16))).view(torch.bfloat16)
assert t.float()[0x3F, 0x80].item() == 1.0 and t.float()[0xC0, 0x40].item() == -3.0
assert torch.equal(t.view(torch.int16), torch.from_numpy(bf.view(np.int16)))
x = torch.tensor([[1.0, -3.0, 0.5]]).to(torch.bfloat16)
np.save(d + '/torch_bf16.npy', x.view(torch.int16).numpy().view('V2'))
print('torch ok')
)";
  const auto r = run_python(dir, script, dir.path().string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("torch ok"), std::string::npos) << r.output;

  const Tensor i8 = load_npy(dir.file("np_int8.npy"));
  ASSERT_EQ(i8.dtype(), DType::s8);
  EXPECT_EQ(i8.get({2, 3}), 11 * 23 - 128);
  const Tensor u8 = load_npy(dir.file("np_uint8_f.npy"));
  ASSERT_EQ(u8.dtype(), DType::u8);
  EXPECT_EQ(u8.get({2, 1}), 9 * 21);
  const Tensor i32 = load_npy(dir.file("np_int32.npy"));
  ASSERT_EQ(i32.dtype(), DType::s32);
  EXPECT_EQ(i32.to_vector(), (std::vector<double>{-7, 2147483647}));
  const Tensor bf = load_npy(dir.file("np_bf16.npy"));
  ASSERT_EQ(bf.dtype(), DType::bf16);
  const std::vector<double> v = bf.to_vector();
  EXPECT_EQ(v[0], 1.0);
  EXPECT_EQ(v[1], -3.0);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_EQ(v[3], -INFINITY);
  EXPECT_EQ(v[4], 0x1p-133);
  EXPECT_EQ(bf.data<BFloat16>()[5].bits, 0x8000);
  const Tensor torch_bf = load_npy(dir.file("torch_bf16.npy"));
  EXPECT_EQ(torch_bf.to_vector(), (std::vector<double>{1.0, -3.0, 0.5}));
}

}  // namespace
