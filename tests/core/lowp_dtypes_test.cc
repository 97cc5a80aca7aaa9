// The storage dtypes bfloat16, int8, uint8 and int32: names and sizes, element access,
// conversions between every pair of dtypes (Tensor::to's truncation and range rules), fills,
// strided copies, random draws, and the rejection of the compute-only ops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

const DType kAll[] = {DType::f32, DType::f64, DType::bf16, DType::s8, DType::u8, DType::s32};

template <typename E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(LowpDTypes, NamesSizesAndKinds) {
  EXPECT_STREQ(dtype_name(DType::bf16), "bfloat16");
  EXPECT_STREQ(dtype_name(DType::s8), "int8");
  EXPECT_STREQ(dtype_name(DType::u8), "uint8");
  EXPECT_STREQ(dtype_name(DType::s32), "int32");
  EXPECT_EQ(dtype_size(DType::bf16), 2);
  EXPECT_EQ(dtype_size(DType::s8), 1);
  EXPECT_EQ(dtype_size(DType::u8), 1);
  EXPECT_EQ(dtype_size(DType::s32), 4);
  EXPECT_TRUE(is_floating(DType::bf16));
  EXPECT_FALSE(is_floating(DType::s32));
  EXPECT_EQ(Tensor({3, 5}, DType::s8).nbytes(), 15);
  EXPECT_THROW(Tensor({2}, DType::s8).data<uint8_t>(), DTypeError);
  EXPECT_THROW(Tensor({2}, DType::bf16).data<float>(), DTypeError);
}

TEST(LowpDTypes, EveryPairConvertsSmallIntegersExactly) {
  // 0..100 and their negatives where the target is signed: representable everywhere.
  for (DType from : kAll) {
    for (DType to : kAll) {
      const bool sign = from != DType::u8 && to != DType::u8;
      Tensor src({5, 41}, from);
      for (int64_t i = 0; i < 5; ++i) {
        for (int64_t j = 0; j < 41; ++j) src.set({i, j}, (sign && (i + j) % 2 ? -1 : 1) * (i * 20 + j % 21));
      }
      const Tensor dst = src.mT().to(to);  // strided source
      ASSERT_EQ(dst.dtype(), to);
      EXPECT_EQ(dst.to_vector(), src.mT().contiguous().to_vector())
          << dtype_name(from) << " -> " << dtype_name(to);
    }
  }
}

TEST(LowpDTypes, FloatToIntegerTruncatesAndChecksTheRange) {
  const Tensor f = Tensor::from_vector({6}, std::vector<float>{2.9f, -2.9f, 127.99f, -128.5f, 0.5f, -0.5f});
  EXPECT_EQ(f.to(DType::s8).to_vector(), (std::vector<double>{2, -2, 127, -128, 0, 0}));
  EXPECT_EQ(f.slice(0, 0, 1).to(DType::u8).to_vector(), std::vector<double>{2});
  const std::string msg = error_of<ValueError>([] {
    Tensor::from_vector({2}, std::vector<float>{1, 128.0f}).to(DType::s8);
  });
  EXPECT_NE(msg.find("128"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[-128, 127]"), std::string::npos) << msg;
  EXPECT_THROW(Tensor::from_vector({1}, std::vector<float>{-1}).to(DType::u8), ValueError);
  EXPECT_THROW(Tensor::from_vector({1}, std::vector<float>{NAN}).to(DType::s32), ValueError);
  EXPECT_THROW(Tensor::from_vector({1}, std::vector<double>{INFINITY}).to(DType::s32), ValueError);
  EXPECT_THROW(Tensor::from_vector({1}, std::vector<double>{2147483648.0}).to(DType::s32), ValueError);
  EXPECT_EQ(Tensor::from_vector({1}, std::vector<double>{-2147483648.9}).to(DType::s32).get({0}),
            -2147483648.0);
  // Integer narrowing is range-checked too.
  Tensor s32({2}, DType::s32);
  s32.set({0}, 255);
  s32.set({1}, 256);
  EXPECT_EQ(s32.slice(0, 0, 1).to(DType::u8).get({0}), 255);
  EXPECT_THROW(s32.to(DType::u8), ValueError);
  Tensor s8({1}, DType::s8);
  s8.set({0}, -1);
  EXPECT_THROW(s8.to(DType::u8), ValueError);
  // bfloat16 → int: through the exact float value.
  EXPECT_EQ(Tensor::full({1}, 100.0, DType::bf16).to(DType::s8).get({0}), 100);
}

TEST(LowpDTypes, SetFillAndGetUseTheSameRules) {
  Tensor t({3}, DType::u8);
  t.fill_(255.7);
  EXPECT_EQ(t.to_vector(), (std::vector<double>{255, 255, 255}));
  EXPECT_THROW(t.fill_(256), ValueError);
  EXPECT_THROW(t.set({1}, -0.99 - 1), ValueError);
  t.set({1}, -0.99);  // truncates to 0
  EXPECT_EQ(t.get({1}), 0);
  Tensor b({2}, DType::bf16);
  b.set({0}, 1.0 + 0x1p-8 + 0x1p-30);  // rounded once from the double
  b.set({1}, -INFINITY);
  EXPECT_EQ(b.data<BFloat16>()[0].bits, 0x3F81);
  EXPECT_EQ(b.get({1}), -INFINITY);
  Tensor s({1}, DType::s32);
  s.set({0}, 16777217);  // not a float32: float64 get keeps it
  EXPECT_EQ(s.get({0}), 16777217.0);
  EXPECT_EQ(s.to(DType::f32).get({0}), 16777216.0);  // int32 → float32 rounds to nearest even
}

TEST(LowpDTypes, ViewsCopiesAndCloneWorkOnEveryDType) {
  for (DType dt : kAll) {
    Tensor t({4, 6}, dt);
    for (int64_t i = 0; i < 4; ++i) {
      for (int64_t j = 0; j < 6; ++j) t.set({i, j}, static_cast<double>(i * 6 + j));
    }
    const Tensor view = t.slice(1, 1, 6, 2).mT();
    Tensor out({3, 4}, dt);
    out.copy_from(view);
    EXPECT_EQ(out.to_vector(), view.contiguous().to_vector()) << dtype_name(dt);
    EXPECT_EQ(view.clone().dtype(), dt);
    EXPECT_FALSE(view.clone().shares_storage(t));
    EXPECT_TRUE(allclose(t.to(DType::f32), t, 0, 0)) << dtype_name(dt);
  }
}

TEST(LowpDTypes, RandomDrawsForBfloat16RoundTheFloat64Draw) {
  const Tensor d = randn({64}, 7, DType::f64);
  const Tensor b = randn({64}, 7, DType::bf16);
  EXPECT_EQ(b.to_vector(), d.to(DType::bf16).to_vector());
  EXPECT_EQ(rand({8}, 3, DType::bf16, -2, 2).dtype(), DType::bf16);
  for (DType dt : {DType::s8, DType::u8, DType::s32}) {
    const std::string msg = error_of<DTypeError>([&] { randn({2}, 1, dt); });
    EXPECT_NE(msg.find("randn"), std::string::npos) << msg;
    EXPECT_NE(msg.find(dtype_name(dt)), std::string::npos) << msg;
    EXPECT_THROW(rand({2}, 1, dt), DTypeError);
  }
}

}  // namespace
}  // namespace tinyaccel
