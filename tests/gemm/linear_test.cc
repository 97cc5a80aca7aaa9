// linear() and fused_gemm(): PyTorch's Linear convention, every backend's epilogue, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

// act(x @ w^T + b) computed from the definition in double.
Tensor reference_linear(const Tensor& x, const Tensor& w, const Tensor* bias, Activation act) {
  const int64_t in = w.shape()[1], out = w.shape()[0];
  const Tensor x2 = x.to(DType::f64).reshape({-1, in});
  const int64_t rows = x2.shape()[0];
  Tensor y = Tensor::empty({rows, out}, DType::f64);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double v = bias ? bias->get({o}) : 0.0;
      for (int64_t i = 0; i < in; ++i) v += x2.get({r, i}) * w.get({o, i});
      switch (act) {
        case Activation::relu: v = v > 0 ? v : 0; break;
        case Activation::gelu:
          v = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
          break;
        case Activation::gelu_erf: v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); break;
        default: break;
      }
      y.set({r, o}, v);
    }
  }
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  shape.push_back(out);
  return y.reshape(shape);
}

TEST(Linear, MatchesDefinitionForEveryActivationAndRank) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 2e-4 : 1e-10;
    for (Activation act :
         {Activation::none, Activation::relu, Activation::gelu, Activation::gelu_erf}) {
      const Tensor w = randn({37, 53}, 1, dtype), b = randn({37}, 2, dtype);
      for (const Shape& xs : {Shape{53}, Shape{1, 53}, Shape{29, 53}, Shape{2, 3, 53}}) {
        const Tensor x = randn(xs, 3, dtype);
        const Tensor got = linear(x, w, b, act);
        EXPECT_EQ(got.dtype(), dtype);
        EXPECT_TRUE(allclose(got, reference_linear(x, w, &b, act), tol, tol))
            << activation_name(act) << " " << shape_str(xs);
        EXPECT_TRUE(allclose(linear(x, w, std::nullopt, act),
                             reference_linear(x, w, nullptr, act), tol, tol));
      }
    }
  }
}

TEST(Linear, StridedInputsAndPromotion) {
  const Tensor x = randn({20, 100}, 4).slice(1, 0, 100, 2);  // (20, 50), column stride 2
  const Tensor w = randn({50, 31}, 5, DType::f64).mT();       // (31, 50), transposed storage
  const Tensor b = randn({31}, 6);
  const Tensor got = linear(x, w, b, Activation::relu);
  EXPECT_EQ(got.dtype(), DType::f64);
  EXPECT_TRUE(allclose(got, reference_linear(x, w, &b, Activation::relu), 1e-10, 1e-10));
}

TEST(Linear, ShapeErrorsNameTheShapes) {
  const Tensor w = randn({8, 16}, 1);
  try {
    linear(randn({4, 15}, 2), w);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(4,15)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(8,16)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(linear(randn({4, 16}, 2), w, randn({7}, 3)), ShapeError);
  EXPECT_THROW(linear(randn({4, 16}, 2), randn({16}, 3)), ShapeError);
}

TEST(FusedGemm, EveryBackendAppliesTheSameEpilogue) {
  const Tensor a = randn({23, 41}, 1), b = randn({41, 35}, 2), c0 = randn({23, 35}, 3);
  GemmOptions options;
  options.alpha = -1.5;
  options.beta = 0.5;
  options.bias = randn({35}, 4);
  options.activation = Activation::gelu;
  options.backend = Backend::naive;
  Tensor want = c0.clone();
  fused_gemm(a, b, want, options);
  for (Backend backend : {Backend::tiled, Backend::packed, Backend::blas, Backend::automatic}) {
    Tensor got = c0.clone();
    options.backend = backend;
    fused_gemm(a, b, got, options);
    EXPECT_TRUE(allclose(got, want, 1e-4, 1e-4)) << backend_name(backend);
  }
}

TEST(FusedGemm, ZeroInnerDimensionStillAppliesEpilogue) {
  Tensor c = Tensor::full({2, 3}, 4.0);
  GemmOptions options;
  options.beta = 0.5;
  options.bias = Tensor::full({3}, -3.0);
  options.activation = Activation::relu;
  fused_gemm(Tensor({2, 0}), Tensor({0, 3}), c, options);
  for (double v : c.to_vector()) EXPECT_EQ(v, 0.0);  // relu(0.5·4 − 3)
}

TEST(FusedGemm, RejectsMismatchedShapesAndDtypes) {
  Tensor c = Tensor::empty({4, 6});
  EXPECT_THROW(fused_gemm(randn({4, 5}, 1), randn({4, 6}, 2), c), ShapeError);
  EXPECT_THROW(fused_gemm(randn({4, 5}, 1), randn({5, 7}, 2), c), ShapeError);
  EXPECT_THROW(fused_gemm(randn({4, 5}, 1, DType::f64), randn({5, 6}, 2), c), DTypeError);
  GemmOptions options;
  options.bias = randn({5}, 3);
  EXPECT_THROW(fused_gemm(randn({4, 5}, 1), randn({5, 6}, 2), c, options), ShapeError);
}

TEST(Backends, NamesRoundTripAndChoiceIsExplained) {
  for (Backend b : {Backend::naive, Backend::tiled, Backend::packed, Backend::blas,
                    Backend::automatic}) {
    EXPECT_EQ(parse_backend(backend_name(b)), b);
  }
  EXPECT_THROW(parse_backend("fast"), ValueError);
  const BackendChoice big = choose_backend(512, 512, 512, DType::f32);
  EXPECT_NE(big.backend, Backend::automatic);
  EXPECT_FALSE(big.reason.empty());
  EXPECT_NE(describe_backend_choice().find("auto"), std::string::npos);
}

TEST(Linear, DeclaredCostCountsGemmBiasAndActivation) {
  const int64_t rows = 2 * 5, in = 24, out = 17, n = rows * out;
  const OpCost plain = linear_cost({2, 5, in}, {out, in}, false, Activation::none, DType::f32);
  EXPECT_EQ(plain.flops, 2 * rows * in * out);
  EXPECT_EQ(plain.bytes, (rows * in + in * out + rows * out) * 4);
  const OpCost full = linear_cost({2, 5, in}, {out, in}, true, Activation::gelu, DType::f64);
  EXPECT_EQ(full.flops, 2 * rows * in * out + n + gelu_cost(n, DType::f64).flops);
  EXPECT_EQ(full.bytes, (rows * in + in * out + rows * out + out) * 8);
  EXPECT_EQ(linear_cost({3, in}, {out, in}, false, Activation::relu, DType::f32).flops,
            2 * 3 * in * out + 3 * out);
  // The module declares the same numbers for the same layer.
  const nn::Linear layer(in, out, 1, true, Activation::gelu_erf);
  const OpCost declared = linear_cost({4, in}, {out, in}, true, Activation::gelu_erf, DType::f32);
  EXPECT_EQ(layer.cost({4, in}).flops, declared.flops);
  EXPECT_EQ(layer.cost({4, in}).bytes, declared.bytes);
  EXPECT_THROW(linear_cost({4, in + 1}, {out, in}, false, Activation::none, DType::f32),
               ShapeError);
}

}  // namespace
}  // namespace tinyaccel
