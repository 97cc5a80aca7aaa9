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
// Precision. A module's Linear weights are float32, float64, bfloat16 or int8 (its
// weight_dtype()); its activations (inputs, outputs, everything between the layers) are float64
// with float64 weights and float32 otherwise (its dtype()). LayerNorm, softmax, attention, the
// GELU and every bias stay in that float dtype:
//   bfloat16 — x is rounded to bfloat16 once per Linear call (to_bfloat16) and multiplied by
//              the bfloat16 weights, the products summed in float32 (matmul.hpp's bfloat16
//              GEMM); the bias, activation and residual add run in the float32 epilogue;
//   int8     — weights quantized once per output channel (QuantizedWeight), every row of x at
//              call time (quantize_rows), the integer sums exact and dequantized in float32
//              (matmul.hpp's quantized linear); the residual add is one float32 pass after it.
// The naive path of a low-precision Linear quantizes the same way with the reference
// quantizers and multiplies with the reference GEMM (naive::linear, the naive bfloat16 GEMM).
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
#include "tinyaccel/quantize.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel::nn {

enum class Path { accelerated, naive };
const char* path_name(Path path);  // "accelerated", "naive"

// A Linear weight precision by name: float32 (f32), float64 (f64), bfloat16 (bf16) or int8
// (s8). ValueError naming the text and the accepted names otherwise.
DType parse_precision(const std::string& name);
// The dtype of the activations of a module whose Linear weights are `precision`: float64 for
// float64, float32 for float32, bfloat16 and int8. DTypeError naming it for another dtype.
DType activation_dtype(DType precision);

// Parameters by PyTorch state_dict name.
using StateDict = std::map<std::string, Tensor>;

// One step of a forward pass: the name its scoped timer records, what its kernels declare it
// costs (FLOPs, compulsory bytes), the bytes it touches while it runs (inputs, outputs and
// weights: what decides which cache level's bandwidth applies), and the precision its
// arithmetic runs in (whose compute roof it is placed under: bfloat16 or int8 for the GEMM of a
// low-precision Linear, whose "FLOPs" then count its multiply-adds in that precision).
struct LayerCost {
  std::string name;
  OpCost cost;
  int64_t working_set_bytes = 0;
  DType dtype = DType::f32;
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
  // The dtype of the inputs and outputs (float32 or float64).
  virtual DType dtype() const = 0;
  // The precision of its Linear weights (float32, float64, bfloat16 or int8); dtype() for
  // modules without Linear layers.
  virtual DType weight_dtype() const { return dtype(); }

  int64_t parameter_count() const;
  int64_t parameter_bytes() const;
};

// y = act(x · weightᵀ + bias). weight (out_features, in_features), bias (out_features,) or none.
// Seeded init follows PyTorch's nn.Linear: U(-1/√in, 1/√in) for weight and bias.
// Weights in float32 or float64 (x, bias and result the same dtype), bfloat16 or int8 (x, bias
// and result float32; see the precision note at the top).
class Linear : public Module {
 public:
  // `dtype` is the weight precision: the seeded float32 (or float64) weights converted by to().
  Linear(int64_t in_features, int64_t out_features, uint64_t seed, bool bias = true,
         Activation activation = Activation::none, DType dtype = DType::f32);
  // From given tensors (shapes validated; names in messages are `label`.weight/.bias). A
  // float32/float64 weight takes a bias of its dtype; a bfloat16 weight a float32 or bfloat16
  // bias (kept as float32). An int8 tensor is a DTypeError: int8 weights need their scales
  // (the QuantizedWeight constructor).
  Linear(Tensor weight, std::optional<Tensor> bias, Activation activation = Activation::none,
         const std::string& label = "linear");
  // int8 weights: per-channel quantized, with a float32 bias.
  Linear(QuantizedWeight weight, std::optional<Tensor> bias,
         Activation activation = Activation::none, const std::string& label = "linear");

  std::string name() const override { return "linear"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  // out += act(x·Wᵀ + b), in place: for float and bfloat16 weights the add is folded into the
  // GEMM (beta = 1); for int8 it is one pass after the quantized GEMM. `out` must be contiguous
  // with the output's shape and dtype (ShapeError/DTypeError); x may share memory with it (x is
  // then read from a copy).
  void forward_accumulate(const Tensor& x, Tensor& out, Path path = Path::accelerated) const;
  Shape output_shape(const Shape& input) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  // float32/float64/bfloat16: weight (and bias); int8: weight (the int8 values), weight_scale
  // (float32 per output channel) and bias.
  StateDict state_dict() const override;
  DType dtype() const override { return activation_dtype(weight_dtype()); }
  DType weight_dtype() const override { return quantized_ ? DType::s8 : weight_.dtype(); }

  int64_t in_features() const { return weight_.size(1); }
  int64_t out_features() const { return weight_.size(0); }
  Activation activation() const { return activation_; }
  // As stored: float32, float64, bfloat16, or the int8 values of quantized_weight().
  const Tensor& weight() const { return weight_; }
  // The int8 weights with their scales; nullopt unless weight_dtype() is int8.
  const std::optional<QuantizedWeight>& quantized_weight() const { return quantized_; }
  const std::optional<Tensor>& bias() const { return bias_; }
  // The weights as float values of dtype(): the float weights, the bfloat16 ones widened
  // (exact), the int8 ones dequantized.
  Tensor float_weight() const;
  // The cost of this layer on an input of this shape, declared once here for every precision:
  // linear_cost (matmul.hpp) with x, the bias and the output in dtype() and the weight bytes at
  // the weight's width (int8: plus its scales and channel sums; bfloat16 and int8: plus the
  // pass that rounds or quantizes x, 1 and 3 FLOPs per element of x). With `accumulate`, of
  // forward_accumulate (the old output is read and added: one more FLOP and element per output).
  OpCost cost(const Shape& input, bool accumulate = false) const;
  // A copy with the weights in `precision` (parse_precision's dtypes): rounded to bfloat16,
  // quantized per channel from the float values (float_weight()), or widened/narrowed between
  // the float dtypes; the bias follows the activations' dtype.
  Linear to(DType precision) const;

 private:
  Tensor weight_;
  std::optional<QuantizedWeight> quantized_;
  std::optional<Tensor> bias_;
  Activation activation_;
  std::string label_;
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
  // A copy with the parameters converted to `dtype` (float32 or float64).
  LayerNorm to(DType dtype) const;

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
  DType weight_dtype() const override { return in_proj_.weight_dtype(); }

  int64_t d_model() const { return in_proj_.in_features(); }
  int64_t heads() const { return heads_; }
  bool causal() const { return causal_; }
  const Linear& in_proj() const { return in_proj_; }
  const Linear& out_proj() const { return out_proj_; }
  // A copy with both projections' weights in `precision` (Linear::to).
  MultiHeadAttention to(DType precision) const;

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
  DType weight_dtype() const override { return linear1_.weight_dtype(); }

  const Linear& linear1() const { return linear1_; }
  const Linear& linear2() const { return linear2_; }
  // A copy with both layers' weights in `precision` (Linear::to).
  Mlp to(DType precision) const;

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
  // The Linear weights' precision: float32, float64, bfloat16 or int8 (the activations, the
  // LayerNorms, attention and softmax then run in activation_dtype(dtype)).
  DType dtype = DType::f32;
};
// ValueError naming the field when a size is < 1, heads does not divide d_model, or eps <= 0;
// DTypeError naming dtype when it is not a precision parse_precision accepts.
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
// With bfloat16 or int8 weights (config.dtype) the four Linear layers (in_proj, out_proj,
// linear1, linear2) run in that precision; the LayerNorms, the attention (q·kᵀ, softmax, ·v:
// the float32 fused kernel), the GELU, the biases and the residual stream stay float32. The
// errors this gives on the default configuration, next to PyTorch's bfloat16 autocast and
// dynamic int8, are in docs/lowp_block.md.
class TransformerBlock : public Module {
 public:
  // Seeded-random weights with PyTorch's initialization (xavier-uniform in_proj, zero attention
  // biases, nn.Linear's uniform init, LayerNorm 1/0); for bfloat16 and int8, the float32 block
  // of the same seed converted with to(). validate()'s errors; AllocationError naming the bytes
  // needed and available, before anything is allocated, when the parameters exceed
  // available_memory_bytes() (memory.hpp).
  TransformerBlock(const TransformerConfig& config, uint64_t seed);
  // Weights from a state_dict with PyTorch's TransformerEncoderLayer names:
  //   self_attn.in_proj_weight (3d,d)  self_attn.in_proj_bias (3d)
  //   self_attn.out_proj.weight (d,d)  self_attn.out_proj.bias (d)
  //   linear1.weight (ffn,d) linear1.bias (ffn)  linear2.weight (d,ffn) linear2.bias (d)
  //   norm1.weight/bias (d)  norm2.weight/bias (d)
  // d_model, ffn and dtype come from the tensors; heads, causal, eps and activation from
  // `config`. A missing or extra name, or a shape that does not fit, is an error naming it.
  // Every tensor shares one float dtype, except that bfloat16 Linear weights take float32 or
  // bfloat16 LayerNorm parameters and biases (widened to float32), and int8 weights (as
  // state_dict() writes them: int8 values plus a float32 `<weight>_scale` per Linear, e.g.
  // linear1.weight_scale, self_attn.in_proj_weight_scale) take float32 ones.
  TransformerBlock(const StateDict& state, const TransformerConfig& config);

  std::string name() const override { return "transformer_block"; }
  Tensor forward(const Tensor& x, Path path = Path::accelerated) const override;
  std::vector<LayerCost> layer_costs(const Shape& input) const override;
  StateDict state_dict() const override;
  DType dtype() const override { return activation_dtype(config_.dtype); }
  DType weight_dtype() const override { return config_.dtype; }

  const TransformerConfig& config() const { return config_; }
  // A copy with the Linear weights in `precision` (Linear::to: rounded to bfloat16, or
  // quantized per channel to int8, from the float values) and every other parameter in
  // activation_dtype(precision).
  TransformerBlock to(DType precision) const;

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
// Writes the block's state_dict as a .npz: for float32/float64 blocks one that PyTorch's
// load_state_dict accepts (via numpy); bfloat16 and int8 blocks as their state_dict() holds them
// (bfloat16 as ml_dtypes writes it; int8 values with their _scale tensors), which
// load_transformer_block reads back bit for bit.
void save_transformer_block(const TransformerBlock& block, const std::string& npz_path);

}  // namespace tinyaccel::nn
#pragma GCC visibility pop
