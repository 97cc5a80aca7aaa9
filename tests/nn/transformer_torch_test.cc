// The block against PyTorch's nn.TransformerEncoderLayer(norm_first=True, activation="gelu",
// batch_first=True) in eval mode, loaded with the same weights, and against a float64 NumPy
// reference of the same block. tests/nn/transformer_reference.py (Debian's /usr/bin/python3
// with python3-torch) writes the weights, inputs and both outputs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "nn_test_util.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/nn.hpp"

namespace tinyaccel::nn {
namespace {

namespace fs = std::filesystem;
using testing::close_to;

struct Case {
  const char* name;
  int64_t d_model, heads, ffn, seq, batch;
  bool causal;
};

// Odd shapes: seq 1 and 7, heads 1 and 3, batch > 1, a causal mask, and sizes past the GEMM's
// register tiles and cache blocks.
const std::vector<Case> kCases = {
    {"seq7_heads2", 16, 2, 32, 7, 2, false},   {"seq7_causal", 16, 2, 32, 7, 2, true},
    {"seq1_heads3", 12, 3, 20, 1, 1, false},   {"seq5_heads3_causal", 12, 3, 20, 5, 3, true},
    {"heads1", 8, 1, 24, 7, 1, false},         {"mid_odd", 96, 3, 200, 37, 2, false},
    {"mid_causal", 128, 4, 512, 65, 1, true},
};

class TorchReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("tinyaccel_nn_ref_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    std::string cmd = "/usr/bin/python3 " TINYACCEL_SOURCE_DIR "/tests/nn/transformer_reference.py '" +
                      dir_->string() + "'";
    for (const Case& c : kCases) {
      cmd += " " + std::string(c.name) + ":" + std::to_string(c.d_model) + ":" +
             std::to_string(c.heads) + ":" + std::to_string(c.ffn) + ":" + std::to_string(c.seq) +
             ":" + std::to_string(c.batch) + ":" + (c.causal ? "1" : "0");
    }
    status_ = std::system(cmd.c_str());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  void SetUp() override {
    ASSERT_EQ(status_, 0) << "tests/nn/transformer_reference.py failed (is python3-torch "
                             "installed for /usr/bin/python3? run scripts/setup)";
  }
  static fs::path path(const Case& c, const char* file) { return *dir_ / c.name / file; }
  static TransformerConfig config(const Case& c) {
    TransformerConfig cfg;
    cfg.heads = c.heads;
    cfg.causal = c.causal;
    return cfg;
  }

  static fs::path* dir_;
  static int status_;
};

fs::path* TorchReference::dir_ = nullptr;
int TorchReference::status_ = -1;

TEST_F(TorchReference, Float32MatchesPyTorchWithin1e4) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const TransformerBlock block = load_transformer_block(path(c, "weights.npz"), config(c));
    EXPECT_EQ(block.config().d_model, c.d_model);
    EXPECT_EQ(block.config().ffn, c.ffn);
    const Tensor x = load_npy(path(c, "x.npy"));
    const Tensor want = load_npy(path(c, "y_torch.npy"));
    EXPECT_TRUE(close_to(block.forward(x), want, 1e-4)) << "accelerated vs PyTorch";
    EXPECT_TRUE(close_to(block.forward(x, Path::naive), want, 1e-4)) << "naive vs PyTorch";
  }
}

TEST_F(TorchReference, Float32MatchesFloat64NumPy) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const TransformerBlock block = load_transformer_block(path(c, "weights.npz"), config(c));
    const Tensor x = load_npy(path(c, "x.npy"));
    EXPECT_TRUE(close_to(block.forward(x), load_npy(path(c, "y_f64.npy")), 1e-4));
  }
}

TEST_F(TorchReference, Float64MatchesFloat64NumPyTightly) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const TransformerBlock block =
        load_transformer_block(path(c, "weights.npz"), config(c)).to(DType::f64);
    const Tensor x = load_npy(path(c, "x.npy")).to(DType::f64);
    const Tensor want = load_npy(path(c, "y_f64.npy"));
    ASSERT_EQ(want.dtype(), DType::f64);
    EXPECT_TRUE(close_to(block.forward(x), want, 1e-10)) << "accelerated";
    EXPECT_TRUE(close_to(block.forward(x, Path::naive), want, 1e-10)) << "naive";
  }
}

TEST_F(TorchReference, SavedWeightsRoundTrip) {
  const Case& c = kCases[3];
  const TransformerBlock block = load_transformer_block(path(c, "weights.npz"), config(c));
  const fs::path copy = *dir_ / "roundtrip.npz";
  save_transformer_block(block, copy.string());
  const TransformerBlock again = load_transformer_block(copy.string(), config(c));
  const Tensor x = load_npy(path(c, "x.npy"));
  EXPECT_TRUE(allclose(again.forward(x), block.forward(x), 0, 0));
}

}  // namespace
}  // namespace tinyaccel::nn
