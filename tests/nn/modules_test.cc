// Every module's accelerated path against its naive twin (both dtypes, odd shapes, strided
// inputs), the causal mask's meaning, declared costs, and the errors a user can hit.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "nn_test_util.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/nn.hpp"

namespace tinyaccel::nn {
namespace {

using testing::close_to;

// f32 paths differ in summation order and accumulation width (the naive twin accumulates in
// double), f64 ones only in rounding.
double tolerance(DType dtype) { return dtype == DType::f32 ? 2e-5 : 1e-11; }

class BothDtypes : public ::testing::TestWithParam<DType> {};
INSTANTIATE_TEST_SUITE_P(Nn, BothDtypes, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST_P(BothDtypes, LinearTwinsAgreeForEveryActivation) {
  const DType dt = GetParam();
  for (Activation act : {Activation::none, Activation::relu, Activation::gelu, Activation::gelu_erf}) {
    SCOPED_TRACE(activation_name(act));
    const Linear layer(19, 7, 3, true, act, dt);
    const Tensor x = randn({2, 5, 19}, 4, dt);
    EXPECT_TRUE(close_to(layer.forward(x), layer.forward(x, Path::naive), tolerance(dt)));
  }
}

TEST_P(BothDtypes, LinearMatchesItsDefinition) {
  const DType dt = GetParam();
  const Linear layer(6, 4, 9, true, Activation::none, dt);
  const Tensor x = randn({3, 6}, 2, dt);
  Tensor want = naive_matmul(x, layer.weight().mT());
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      want.set({i, j}, want.get({i, j}) + layer.bias()->get({j}));
    }
  }
  EXPECT_TRUE(close_to(layer.forward(x), want, tolerance(dt)));
}

TEST_P(BothDtypes, LinearAccumulateAddsToOutput) {
  const DType dt = GetParam();
  const Linear layer(11, 5, 1, true, Activation::none, dt);
  const Tensor x = randn({4, 11}, 2, dt);
  const Tensor start = randn({4, 5}, 3, dt);
  for (Path path : {Path::accelerated, Path::naive}) {
    Tensor out = start.clone();
    layer.forward_accumulate(x, out, path);
    Tensor want = layer.forward(x, Path::naive);
    for (int64_t i = 0; i < 4; ++i) {
      for (int64_t j = 0; j < 5; ++j) want.set({i, j}, want.get({i, j}) + start.get({i, j}));
    }
    EXPECT_TRUE(close_to(out, want, tolerance(dt))) << path_name(path);
  }
}

TEST(Linear, AccumulateNeedsNoActivation) {
  const Linear layer(4, 3, 1, true, Activation::gelu_erf);
  Tensor out({2, 3});
  EXPECT_THROW(layer.forward_accumulate(Tensor({2, 4}), out), ValueError);
  const Linear plain(4, 3, 1);
  Tensor wrong({2, 4});
  EXPECT_THROW(plain.forward_accumulate(Tensor({2, 4}), wrong), ShapeError);
}

TEST_P(BothDtypes, StridedInputsGiveTheContiguousResult) {
  const DType dt = GetParam();
  const Linear layer(8, 6, 5, true, Activation::gelu_erf, dt);
  const Tensor wide = randn({8, 5}, 1, dt);
  const Tensor x = wide.mT();  // (5, 8), not contiguous
  ASSERT_FALSE(x.is_contiguous());
  EXPECT_TRUE(close_to(layer.forward(x), layer.forward(x.contiguous()), tolerance(dt)));
  const LayerNorm norm(8, 1e-5, dt);
  EXPECT_TRUE(close_to(norm.forward(x), norm.forward(x.contiguous(), Path::naive), tolerance(dt)));
}

TEST_P(BothDtypes, LayerNormAndGeluTwinsAgree) {
  const DType dt = GetParam();
  const LayerNorm norm(LayerNorm(rand({13}, 1, dt, 0.5, 1.5), randn({13}, 2, dt)));
  const Tensor x = randn({3, 4, 13}, 3, dt, 0.5, 3.0);
  EXPECT_TRUE(close_to(norm.forward(x), norm.forward(x, Path::naive), tolerance(dt)));
  for (Activation act : {Activation::gelu, Activation::gelu_erf}) {
    const Gelu gelu(act, dt);
    EXPECT_TRUE(close_to(gelu.forward(x), gelu.forward(x, Path::naive), tolerance(dt)));
  }
  EXPECT_THROW(Gelu(Activation::relu), ValueError);
}

TEST_P(BothDtypes, AttentionTwinsAgreeOnOddShapes) {
  const DType dt = GetParam();
  for (int64_t heads : {1, 3}) {
    for (int64_t seq : {1, 7}) {
      for (bool causal : {false, true}) {
        SCOPED_TRACE("heads " + std::to_string(heads) + " seq " + std::to_string(seq) +
                     (causal ? " causal" : ""));
        const MultiHeadAttention attn(12, heads, 7, causal, dt);
        const Tensor x = randn({2, seq, 12}, 8, dt);
        EXPECT_TRUE(close_to(attn.forward(x), attn.forward(x, Path::naive), tolerance(dt)));
        const Tensor r = randn({2, seq, 12}, 9, dt);
        EXPECT_TRUE(close_to(attn.forward_add(x, r), attn.forward_add(x, r, Path::naive),
                             tolerance(dt)));
      }
    }
  }
}

TEST_P(BothDtypes, BlockTwinsAgreeOnOddShapes) {
  const DType dt = GetParam();
  for (int64_t heads : {1, 3}) {
    for (int64_t seq : {1, 7, 33}) {
      TransformerConfig cfg;
      cfg.d_model = 24;
      cfg.heads = heads;
      cfg.ffn = 40;
      cfg.causal = seq == 7;
      cfg.dtype = dt;
      const TransformerBlock block(cfg, 11);
      const Tensor x = randn({2, seq, 24}, 12, dt);
      SCOPED_TRACE("heads " + std::to_string(heads) + " seq " + std::to_string(seq));
      EXPECT_TRUE(close_to(block.forward(x), block.forward(x, Path::naive), tolerance(dt)));
    }
  }
}

TEST(Attention, CausalOutputIgnoresLaterTokens) {
  const MultiHeadAttention attn(16, 2, 3, /*causal=*/true);
  const Tensor x = randn({1, 6, 16}, 1);
  Tensor changed = x.clone();
  for (int64_t j = 0; j < 16; ++j) changed.set({0, 5, j}, 100.0 + j);  // only the last token
  const Tensor a = attn.forward(x), b = attn.forward(changed);
  for (int64_t t = 0; t < 5; ++t) {
    for (int64_t j = 0; j < 16; ++j) EXPECT_EQ(a.get({0, t, j}), b.get({0, t, j}));
  }
  EXPECT_NE(a.get({0, 5, 0}), b.get({0, 5, 0}));
  const MultiHeadAttention open(attn.state_dict(), 2, /*causal=*/false);
  EXPECT_NE(open.forward(x).get({0, 0, 0}), a.get({0, 0, 0}));  // the mask changes token 0
}

TEST(Attention, SeqOneIsTheValueProjection) {
  // With one token the softmax is exactly 1, so attention = out_proj(v).
  const MultiHeadAttention attn(6, 3, 5);
  const Tensor x = randn({1, 1, 6}, 2);
  const auto s = attn.state_dict();
  const Linear v_proj(s.at("in_proj_weight").slice(0, 12, 18), s.at("in_proj_bias").slice(0, 12, 18));
  const Linear out(s.at("out_proj.weight"), s.at("out_proj.bias"));
  EXPECT_TRUE(close_to(attn.forward(x), out.forward(v_proj.forward(x)), 1e-6));
}

TEST(Block, DeclaredCostsAddUp) {
  TransformerConfig cfg;  // 768 / 12 / 3072
  const TransformerBlock block(cfg, 1);
  const int64_t b = 2, s = 512, d = 768, f = 3072, h = 12;
  const auto layers = block.layer_costs({b, s, d});
  std::vector<std::string> names;
  int64_t flops = 0;
  for (const auto& l : layers) {
    names.push_back(l.name);
    flops += l.cost.flops;
    EXPECT_GT(l.cost.bytes, 0) << l.name;
    EXPECT_GE(l.working_set_bytes, l.cost.bytes) << l.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"norm1", "self_attn.in_proj", "self_attn.attention",
                                             "self_attn.out_proj", "norm2", "mlp.linear1",
                                             "mlp.linear2"}));
  const int64_t m = b * s;
  const int64_t gemm = 2 * m * d * 3 * d + 2 * (2 * b * h * s * s * (d / h)) + 2 * m * d * d +
                       2 * (2 * m * d * f);
  EXPECT_GT(flops, gemm);  // plus the epilogues, norms and softmax
  EXPECT_LT(flops, gemm + gemm / 50);
}

TEST(Block, ParametersAreNamedLikePyTorch) {
  TransformerConfig cfg;
  cfg.d_model = 8;
  cfg.heads = 2;
  cfg.ffn = 12;
  const TransformerBlock block(cfg, 1);
  const auto s = block.state_dict();
  EXPECT_EQ(s.size(), 12u);
  EXPECT_EQ(s.at("self_attn.in_proj_weight").shape(), (Shape{24, 8}));
  EXPECT_EQ(s.at("linear1.weight").shape(), (Shape{12, 8}));
  EXPECT_EQ(s.at("linear2.weight").shape(), (Shape{8, 12}));
  EXPECT_EQ(block.parameter_count(), 24 * 8 + 24 + 64 + 8 + 96 + 12 + 96 + 8 + 4 * 8);
  EXPECT_EQ(block.parameter_bytes(), 4 * block.parameter_count());
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(Block, BadWeightsNameTheProblem) {
  TransformerConfig cfg;
  cfg.d_model = 8;
  cfg.heads = 2;
  cfg.ffn = 12;
  const StateDict good = TransformerBlock(cfg, 1).state_dict();

  StateDict missing = good;
  missing.erase("linear2.bias");
  EXPECT_NE(error_of([&] { TransformerBlock(missing, cfg); }).find("missing linear2.bias"),
            std::string::npos);
  StateDict extra = good;
  extra.emplace("linear3.weight", Tensor({2, 2}));
  EXPECT_NE(error_of([&] { TransformerBlock(extra, cfg); }).find("unexpected linear3.weight"),
            std::string::npos);
  StateDict bad_shape = good;
  bad_shape["self_attn.out_proj.weight"] = Tensor({8, 7});
  EXPECT_NE(error_of([&] { TransformerBlock(bad_shape, cfg); })
                .find("self_attn.out_proj.weight has shape (8,7), expected (8,8)"),
            std::string::npos);
  StateDict bad_ffn = good;
  bad_ffn["linear2.weight"] = Tensor({8, 13});
  EXPECT_THROW(TransformerBlock(bad_ffn, cfg), ShapeError);
  StateDict mixed = good;
  mixed["norm2.bias"] = Tensor({8}, DType::f64);
  EXPECT_THROW(TransformerBlock(mixed, cfg), DTypeError);
  TransformerConfig three_heads = cfg;
  three_heads.heads = 3;
  EXPECT_THROW(TransformerBlock(good, three_heads), ValueError);
}

TEST(Block, BadInputsNameTheProblem) {
  TransformerConfig cfg;
  cfg.d_model = 8;
  cfg.heads = 2;
  cfg.ffn = 12;
  const TransformerBlock block(cfg, 1);
  EXPECT_THROW(block.forward(Tensor({2, 8})), ShapeError);
  EXPECT_THROW(block.forward(Tensor({1, 2, 9})), ShapeError);
  EXPECT_THROW(block.forward(Tensor({1, 2, 8}, DType::f64)), DTypeError);
  cfg.ffn = 0;
  EXPECT_THROW(TransformerBlock(cfg, 1), ValueError);
}

TEST(Block, LoadNamesTheFile) {
  const std::string missing = "/nonexistent/dir/weights.npz";
  EXPECT_THROW(load_transformer_block(missing, {}), IoError);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "tinyaccel_nn_bad_weights.npz").string();
  save_npz(path, {{"norm1.weight", Tensor({4})}});
  const std::string msg = error_of([&] { load_transformer_block(path, {}); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing self_attn.in_proj_weight"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(Block, ConvertsBetweenDtypes) {
  TransformerConfig cfg;
  cfg.d_model = 12;
  cfg.heads = 3;
  cfg.ffn = 20;
  const TransformerBlock block(cfg, 2);
  const TransformerBlock wide = block.to(DType::f64);
  EXPECT_EQ(wide.dtype(), DType::f64);
  const Tensor x = randn({1, 5, 12}, 3);
  EXPECT_TRUE(close_to(block.forward(x), wide.forward(x.to(DType::f64)), 1e-5));
}

TEST(Modules, RefuseStorageDTypesByName) {
  TransformerConfig cfg;
  cfg.d_model = 8;
  cfg.heads = 2;
  cfg.ffn = 16;
  const TransformerBlock block(cfg, 2);
  // LayerNorm and GELU compute in float32/float64 only; Linear weights (and the modules built
  // on them) take bfloat16 and int8 (lowp_modules_test.cc), but no other storage type.
  using Case = std::pair<std::string, std::function<void()>>;
  std::vector<std::pair<DType, Case>> cases;
  for (DType dt : {DType::bf16, DType::s8}) {
    cases.push_back({dt, {"LayerNorm", [dt] { LayerNorm(4, 1e-5, dt); }}});
    cases.push_back({dt, {"Gelu", [dt] { Gelu(Activation::gelu, dt); }}});
  }
  cases.push_back({DType::s8, {"w.weight", [] {
                     Linear(Tensor({3, 4}, DType::s8), std::nullopt, Activation::none, "w");
                   }}});
  for (DType dt : {DType::u8, DType::s32}) {
    cases.push_back({dt, {"precision", [dt] { Linear(4, 3, 1, true, Activation::none, dt); }}});
    cases.push_back({dt, {"w.weight", [dt] {
                       Linear(Tensor({3, 4}, dt), std::nullopt, Activation::none, "w");
                     }}});
    cases.push_back({dt, {"precision", [dt] { Mlp(8, 16, 1, Activation::gelu, dt); }}});
    cases.push_back({dt, {"precision", [&block, dt] { block.to(dt); }}});
  }
  for (const auto& [dt, c] : cases) {
    const auto& [what, f] = c;
    try {
      f();
      ADD_FAILURE() << what << " accepted " << dtype_name(dt);
    } catch (const DTypeError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(dtype_name(dt)), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tinyaccel::nn
