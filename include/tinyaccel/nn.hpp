// Neural-network layers built on the kernels: Linear, LayerNorm, GELU, multi-head self-attention,
// MLP and a pre-LN transformer block.
//
// Every module runs on one of two paths, chosen per call:
//   Path::accelerated — the fused GEMM (bias + activation epilogue, residual adds folded in as
//                       beta = 1), the fused attention kernel (attention.hpp) and the fused
//                       LayerNorm;
//   Path::naive       — the same arithmetic from the reference kernels only (naive matmul and
//                       the element-wise engine's scalar twins): the oracle the tests compare
//                       against, and the baseline speed-ups are quoted over.
// Both paths read the same parameters, so they differ only in rounding.
//
// Shapes follow PyTorch (batch_first): Linear, LayerNorm, GELU and MLP take (..., features);
// attention and the block take (batch, seq, d_model). Weights are in PyTorch's convention
// (Linear weight is (out_features, in_features)) and parameter names are PyTorch's state_dict
// names, so a real nn.TransformerEncoderLayer's weights load unchanged (see load_state_dict).
//
// Every module lists the steps of its forward pass with the cost its kernels declare
// (layer_costs); the profiler times the same steps through scoped timers of the same names.
//
// Threads: forward() and every other const member only read the parameters, so one module may
// run forward passes on several threads at once. Copying a module shares its parameter
// tensors (tensor.hpp); to() makes converted copies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinyaccel/activation.hpp"
#include "tinyaccel/cost.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel::nn {

enum class Path { accelerated, naive };
const char* path_name(Path path);  // "accelerated", "naive"

// Parameters by PyTorch state_dict name.
using StateDict = std::map<std::string, Tensor>;

// One step of a forward pass: the name its scoped timer records, what its kernels declare it
// costs (FLOPs, compulsory bytes), and the bytes it touches while it runs (inputs, outputs and
// weights: what decides which cache level's bandwidth applies).
struct LayerCost {
  std::string name;
  OpCost cost;
  int64_t working_set_bytes = 0;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string name() const = 0;
  // ShapeError naming the shapes when x does not fit; DTypeError when x's dtype differs from the
  // parameters' (convert the module with to(), or the input with Tensor::to()).
  virtual Tensor forward(const Tensor& x, Path path = Path::accelerated) const = 0;
  virtual Shape output_shape(const Shape& input) const { return input; }
  // The steps of forward() for an input of this shape, in execution order.
  virtual std::vector<LayerCost> layer_costs(const Shape& input) const = 0;
  // Parameters under their state_dict names (relative to this module).
  virtual StateDict state_dict() const = 0;
  virtual DType dtype() const = 0;

  int64_t parameter_count() const;
  int64_t parameter_bytes() const;
};

// y = act(x · weightᵀ + bias). weight (out_features, in_features), bias (out_features,) or none.
// Seeded init follows PyTorch's nn.Linear: U(-1/√in, 1/√in) for weight and bias.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, uint64_t seed, bool bias = true,
         Activation activation = Activation::none, DType dtype = DType::f32);
  // From given tensors (shapes validated; names in messages are `label`.weight/.bias).
  Linear(Tensor weight, std::optional<Tensor> bias, Activation activation = Activation::none,
         const std::string& label = "linear");

  std::string name() const override { return "linear"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  // out += act(x·Wᵀ + b), in place, the add folded into the GEMM (beta = 1). `out` must be
  // contiguous with the output's shape and dtype (ShapeError/DTypeError); x may share memory
  // with it (x is then read from a copy).
  void forward_accumulate(const Tensor& x, Tensor& out, Path path = Path::accelerated) const;
  Shape output_shape(const Shape& input) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  StateDict state_dict() const override;
  DType dtype() const override { return weight_.dtype(); }

  int64_t in_features() const { return weight_.size(1); }
  int64_t out_features() const { return weight_.size(0); }
  Activation activation() const { return activation_; }
  const Tensor& weight() const { return weight_; }
  const std::optional<Tensor>& bias() const { return bias_; }
  // The cost of this layer (GEMM + epilogue) on an input of this shape; with `accumulate`, of
  // forward_accumulate (the old output is read and added: one more FLOP and element per output).
  OpCost cost(const Shape& input, bool accumulate = false) const;

 private:
  Tensor weight_;
  std::optional<Tensor> bias_;
  Activation activation_;
};

// Normalizes over the last dimension: (x - mean) / sqrt(var + eps) · weight + bias, with the
// biased variance (PyTorch's nn.LayerNorm). Seeded init: weight 1, bias 0 (PyTorch's).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t features, double eps = 1e-5, DType dtype = DType::f32);
  LayerNorm(Tensor weight, Tensor bias, double eps = 1e-5, const std::string& label = "norm");

  std::string name() const override { return "layernorm"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  StateDict state_dict() const override;
  DType dtype() const override { return weight_.dtype(); }

  int64_t features() const { return weight_.size(0); }
  double eps() const { return eps_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_, bias_;
  double eps_;
};

// Element-wise activation as a module (Activation::gelu is the tanh form, gelu_erf the exact).
class Gelu : public Module {
 public:
  explicit Gelu(Activation activation = Activation::gelu_erf, DType dtype = DType::f32);
  std::string name() const override { return activation_name(activation_); }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  StateDict state_dict() const override { return {}; }
  DType dtype() const override { return dtype_; }

 private:
  Activation activation_;
  DType dtype_;
};

// Multi-head self-attention, PyTorch's nn.MultiheadAttention(batch_first=True) with q = k = v:
//   [q k v] = x · in_proj_weightᵀ + in_proj_bias          (one GEMM, (3·d, d) weight)
//   per head h: P = softmax(q_h k_hᵀ / √d_head [+ causal mask]),  ctx_h = P v_h
//   out = concat_h(ctx_h) · out_proj.weightᵀ + out_proj.bias
// The causal mask hides keys after the query (PyTorch's generate_square_subsequent_mask).
// Heads are read from the packed q/k/v through strided views (no split copies); the accelerated
// path runs the fused attention kernel, which writes each head's ctx_h into its columns.
class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t d_model, int64_t heads, uint64_t seed, bool causal = false,
                     DType dtype = DType::f32);
  // Keys: in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias (missing/extra names
  // or wrong shapes: ValueError / ShapeError naming `prefix` + the name).
  MultiHeadAttention(const StateDict& state, int64_t heads, bool causal = false,
                     const std::string& prefix = "");

  std::string name() const override { return "self_attn"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  // residual + forward(x), the add folded into the output projection's GEMM.
  Tensor forward_add(const Tensor& x, const Tensor& residual, Path path = Path::accelerated) const;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  // The steps of forward_add(): the output projection also reads the residual and adds it.
  std::vector<LayerCost> layer_costs_add(const Shape& input) const;
  StateDict state_dict() const override;
  DType dtype() const override { return in_proj_.dtype(); }

  int64_t d_model() const { return in_proj_.in_features(); }
  int64_t heads() const { return heads_; }
  bool causal() const { return causal_; }

 private:
  Tensor attend(const Tensor& x, Path path) const;  // concat_h(ctx_h), (batch, seq, d_model)
  void check_input(const Tensor& x) const;

  Linear in_proj_, out_proj_;
  int64_t heads_;
  bool causal_;
};

// linear2(act(linear1(x))), act fused into linear1's GEMM epilogue.
class Mlp : public Module {
 public:
  Mlp(int64_t d_model, int64_t hidden, uint64_t seed, Activation activation = Activation::gelu_erf,
      DType dtype = DType::f32);
  // Keys: linear1.weight, linear1.bias, linear2.weight, linear2.bias.
  Mlp(const StateDict& state, Activation activation = Activation::gelu_erf,
      const std::string& prefix = "");

  std::string name() const override { return "mlp"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  // out += forward(x), in place, the add folded into linear2's GEMM (see Linear).
  void forward_accumulate(const Tensor& x, Tensor& out, Path path = Path::accelerated) const;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  // The steps of forward_accumulate(): linear2 also reads `out` and adds to it.
  std::vector<LayerCost> layer_costs_add(const Shape& input) const;
  StateDict state_dict() const override;
  DType dtype() const override { return linear1_.dtype(); }

  const Linear& linear1() const { return linear1_; }
  const Linear& linear2() const { return linear2_; }

 private:
  Linear linear1_, linear2_;
};

struct TransformerConfig {
  int64_t d_model = 768;
  int64_t heads = 12;
  int64_t ffn = 3072;
  bool causal = false;
  double layer_norm_eps = 1e-5;
  // PyTorch's activation="gelu" in nn.TransformerEncoderLayer is the exact erf GELU, so
  // matching it needs gelu_erf; Activation::gelu (tanh form) is the faster approximation.
  Activation activation = Activation::gelu_erf;
  DType dtype = DType::f32;
};
// ValueError naming the field when a size is < 1, heads does not divide d_model, or eps <= 0.
void validate(const TransformerConfig& config);

// Memory a block of this configuration needs, in bytes: its parameters, and an upper bound on
// what one forward pass on a (batch, seq, d_model) input allocates (every intermediate and the
// result; on the naive path also the materialized attention scores). Saturates at INT64_MAX.
struct BlockMemory {
  int64_t parameter_bytes = 0;
  int64_t forward_bytes = 0;
};
BlockMemory block_memory(const TransformerConfig& config, int64_t batch, int64_t seq,
                         Path path = Path::accelerated);

// Pre-LN transformer encoder block:
//   y   = x + SelfAttn(LN1(x))
//   out = y + MLP(LN2(y))
// = PyTorch's nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=any,
//   activation="gelu", batch_first=True, norm_first=True) in eval mode (dropout is identity).
class TransformerBlock : public Module {
 public:
  // Seeded-random weights with PyTorch's initialization (xavier-uniform in_proj, zero attention
  // biases, nn.Linear's uniform init, LayerNorm 1/0). validate()'s errors; AllocationError
  // naming the bytes needed and available, before anything is allocated, when the parameters
  // exceed available_memory_bytes() (memory.hpp).
  TransformerBlock(const TransformerConfig& config, uint64_t seed);
  // Weights from a state_dict with PyTorch's TransformerEncoderLayer names:
  //   self_attn.in_proj_weight (3d,d)  self_attn.in_proj_bias (3d)
  //   self_attn.out_proj.weight (d,d)  self_attn.out_proj.bias (d)
  //   linear1.weight (ffn,d) linear1.bias (ffn)  linear2.weight (d,ffn) linear2.bias (d)
  //   norm1.weight/bias (d)  norm2.weight/bias (d)
  // d_model, ffn and dtype come from the tensors; heads, causal, eps and activation from
  // `config`. A missing or extra name, or a shape that does not fit, is an error naming it.
  TransformerBlock(const StateDict& state, const TransformerConfig& config);

  std::string name() const override { return "transformer_block"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  StateDict state_dict() const override;
  DType dtype() const override { return config_.dtype; }

  const TransformerConfig& config() const { return config_; }
  // A copy with every parameter converted to `dtype`.
  TransformerBlock to(DType dtype) const;

 private:
  TransformerConfig config_;
  LayerNorm norm1_, norm2_;
  MultiHeadAttention self_attn_;
  Mlp mlp_;
};

// The block's weights from a .npz file (tinyaccel/io.hpp's load_npz), as above. IoError when the
// file cannot be read; the state_dict errors otherwise.
TransformerBlock load_transformer_block(const std::string& npz_path,
                                        const TransformerConfig& config);
// Writes the block's state_dict as a .npz that PyTorch's load_state_dict accepts (via numpy).
void save_transformer_block(const TransformerBlock& block, const std::string& npz_path);

}  // namespace tinyaccel::nn
#pragma GCC visibility pop
