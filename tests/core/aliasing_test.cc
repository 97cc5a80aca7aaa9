// Every out-parameter and in-place form with outputs that share memory with their inputs, or
// whose elements overlap (stride 0): the result is exact, or the call throws.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "core/overlap.hpp"

namespace tinyaccel {
namespace {

void expect_same(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  EXPECT_TRUE(allclose(got, want, 1e-5, 1e-5)) << what;
}

void expect_overlap_error(const std::function<void()>& call, const std::string& what) {
  try {
    call();
    ADD_FAILURE() << what << ": no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("overlap"), std::string::npos) << e.what();
  }
}

TEST(Overlap, Detection) {
  const Tensor a = randn({4, 6}, 1);
  EXPECT_FALSE(core::has_internal_overlap(a));
  EXPECT_FALSE(core::has_internal_overlap(a.mT()));
  EXPECT_FALSE(core::has_internal_overlap(a.slice(1, 0, 6, 2)));
  EXPECT_TRUE(core::has_internal_overlap(randn({1, 6}, 2).broadcast_to({4, 6})));
  EXPECT_FALSE(core::has_internal_overlap(randn({1, 6}, 2).broadcast_to({1, 6})));
  // Rows 2 elements apart, 3 wide: rows overlap.
  const Tensor flat = randn({20}, 3);
  const Tensor rows = Tensor::from_external(const_cast<void*>(flat.raw_data()), {4, 3}, {2, 1},
                                            DType::f32);
  EXPECT_TRUE(core::has_internal_overlap(rows));
  EXPECT_TRUE(core::memory_overlaps(a, a.slice(0, 1, 2)));
  EXPECT_FALSE(core::memory_overlaps(a.slice(0, 0, 2), a.slice(0, 2, 4)));
  // Two wrappers of the same memory overlap though they share no storage.
  const Tensor again = Tensor::from_external(const_cast<void*>(a.raw_data()), {24}, {1},
                                             DType::f32);
  EXPECT_FALSE(again.shares_storage(a));
  EXPECT_TRUE(core::memory_overlaps(again, a));
}

TEST(Aliasing, FusedGemmOutputSharingAnInputIsExact) {
  const Tensor a0 = randn({16, 16}, 4), b0 = randn({16, 16}, 5);
  for (Backend backend : {Backend::naive, Backend::tiled, Backend::packed, Backend::blas}) {
    GemmOptions options;
    options.backend = backend;
    const Tensor want = matmul(a0, b0, Backend::naive);
    Tensor a = a0.clone(), c = a;  // c is a
    fused_gemm(a, b0, c, options);
    expect_same(c, want, std::string("c = a, ") + backend_name(backend));
    Tensor b = b0.clone();
    c = b;  // c is b
    fused_gemm(a0, b, c, options);
    expect_same(c, want, std::string("c = b, ") + backend_name(backend));
    // c is a transposed view of a, with beta and a bias that lives inside c.
    a = a0.clone();
    Tensor ct = a.mT();
    Tensor bias = a.slice(0, 0, 1).reshape({16});
    const Tensor bias0 = bias.clone(), ct0 = ct.clone();
    options.beta = 0.5;
    options.bias = bias;
    fused_gemm(a0.mT().clone().mT(), b0, ct, options);
    GemmOptions plain;
    plain.beta = 0.5;
    plain.bias = bias0;
    plain.backend = Backend::naive;
    Tensor want2 = ct0.clone();
    fused_gemm(a0, b0, want2, plain);
    expect_same(ct, want2, std::string("c = a^T with bias in c, ") + backend_name(backend));
  }
}

TEST(Aliasing, FusedGemmRefusesABroadcastOutput) {
  const Tensor a = randn({4, 3}, 6), b = randn({3, 5}, 7);
  Tensor row = Tensor({1, 5});
  Tensor c = row.broadcast_to({4, 5});
  expect_overlap_error([&] { fused_gemm(a, b, c); }, "stride-0 c");
}

TEST(Aliasing, LinearAccumulateIntoItsInput) {
  nn::Linear layer(8, 8, 9);
  Tensor x = randn({3, 8}, 10);
  Tensor want = x.clone();
  layer.forward_accumulate(x.clone(), want);
  layer.forward_accumulate(x, x);  // x += layer(x), x read from a copy
  expect_same(x, want, "forward_accumulate(x, x)");
}

TEST(Aliasing, AttentionRefusesSharedOrOverlappingOutputs) {
  const Tensor q = randn({2, 4, 8}, 11), k = randn({2, 4, 8}, 12), v = randn({2, 4, 8}, 13);
  Tensor qc = q.clone();
  try {
    attention_into(qc, k, v, 1.0, false, qc);
    ADD_FAILURE() << "out = q accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("shares memory"), std::string::npos) << e.what();
  }
  Tensor out = Tensor({1, 4, 8}).broadcast_to({2, 4, 8});
  expect_overlap_error([&] { attention_into(q, k, v, 1.0, false, out); }, "stride-0 out");
  // Disjoint parts of one buffer are fine.
  Tensor buffer = Tensor({2, 2, 4, 8});
  Tensor first = buffer.slice(0, 0, 1).reshape({2, 4, 8});
  first.copy_from(q);
  Tensor second = buffer.slice(0, 1, 2).reshape({2, 4, 8});
  attention_into(first, k, v, 1.0, false, second);
  expect_same(second, attention(q, k, v), "out beside q in one buffer");
}

TEST(Aliasing, ElementwiseOutOverlappingItsInputIsExact) {
  const Tensor x0 = randn({64}, 14);
  // out is x shifted by one element: every element is read after its neighbour was written.
  Tensor buffer = Tensor({65});
  buffer.slice(0, 0, 64).copy_from(x0);
  Tensor x = buffer.slice(0, 0, 64), out = buffer.slice(0, 1, 65);
  fused_gelu(x, out);
  expect_same(out, fused_gelu(x0), "fused_gelu, shifted out");
  buffer.slice(0, 0, 64).copy_from(x0);
  gelu_erf(x, out);
  expect_same(out, gelu_erf(x0), "gelu_erf, shifted out");
  // bias inside out.
  Tensor y = randn({4, 16}, 15);
  const Tensor y0 = y.clone(), bias0 = y.slice(0, 1, 2).reshape({16}).clone();
  bias_gelu(y0, y.slice(0, 1, 2).reshape({16}), y);
  expect_same(y, bias_gelu(y0, bias0), "bias_gelu, bias in out");
  // Exactly in place.
  Tensor z = x0.clone();
  fused_gelu(z, z);
  expect_same(z, fused_gelu(x0), "fused_gelu(z, z)");
  Tensor w = x0.clone();
  fused_gelu_(w);
  expect_same(w, fused_gelu(x0), "fused_gelu_");
}

TEST(Aliasing, CopyFromOverlappingSourceIsExactAndBroadcastTargetRefused) {
  const Tensor x0 = randn({10}, 16);
  Tensor buffer = x0.clone();
  Tensor dst = buffer.slice(0, 1, 10), src = buffer.slice(0, 0, 9);
  dst.copy_from(src);
  EXPECT_EQ(buffer.get({0}), x0.get({0}));
  for (int64_t i = 1; i < 10; ++i) EXPECT_EQ(buffer.get({i}), x0.get({i - 1})) << i;
  // Transposed copy onto itself.
  Tensor sq = randn({5, 5}, 17);
  const Tensor want = sq.mT().clone();
  sq.copy_from(sq.mT());
  expect_same(sq, want, "copy_from(own transpose)");
  Tensor wide = Tensor({1, 4}).broadcast_to({3, 4});
  expect_overlap_error([&] { wide.copy_from(randn({3, 4}, 18)); }, "copy into a broadcast view");
}

}  // namespace
}  // namespace tinyaccel
