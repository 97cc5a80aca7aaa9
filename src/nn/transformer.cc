// The MLP and the pre-LN transformer block, plus loading/saving PyTorch-named weights.
#include <algorithm>
#include <climits>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "nn/state.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/trace.hpp"

namespace tinyaccel::nn {
namespace {

const std::vector<std::string> kMlpNames = {"linear1.weight", "linear1.bias", "linear2.weight",
                                            "linear2.bias"};
const std::vector<std::string> kBlockNames = {
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias",  "linear1.weight",         "linear1.bias",
    "linear2.weight",           "linear2.bias",           "norm1.weight",
    "norm1.bias",               "norm2.weight",           "norm2.bias"};

StateDict with_prefix(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : state) out.emplace(prefix + k, v);
  return out;
}

Linear linear_from(const StateDict& state, const std::string& prefix, const std::string& label,
                   const Shape& weight_shape, Activation act) {
  return detail::take_linear(state, prefix, label + ".weight", label + ".bias", weight_shape, act,
                             label);
}

// The model dimension of a block state_dict, from norm1.weight (validated later in full).
int64_t state_d_model(const StateDict& state) {
  return detail::take(state, "", "norm1.weight", {-1}).size(0);
}

const std::vector<std::string> kLinearWeights = {"self_attn.in_proj_weight",
                                                  "self_attn.out_proj.weight", "linear1.weight",
                                                  "linear2.weight"};

// The precision of a block state_dict's Linear weights, after checking the dtype rule of the
// TransformerBlock(StateDict) contract: the four weights share one dtype; every other tensor
// has that dtype when it is float32 or float64, is float32 or bfloat16 with bfloat16 weights,
// and float32 with int8 weights.
DType check_dtypes(const StateDict& state, const std::string& what) {
  const std::string& first = kLinearWeights[0];
  const DType precision = state.at(first).dtype();
  const DType act = activation_dtype(precision);
  for (const auto& [k, v] : state) {
    const bool weight =
        std::find(kLinearWeights.begin(), kLinearWeights.end(), k) != kLinearWeights.end();
    const DType d = v.dtype();
    const bool ok = weight ? d == precision
                           : d == act || (precision == DType::bf16 && d == DType::bf16);
    if (!ok) {
      throw DTypeError(what + " weights mix dtypes: " + quote(first) + " is " +
                       dtype_name(precision) + ", " + quote(k) + " is " + dtype_name(d));
    }
  }
  return precision;
}

}  // namespace

// ---- Mlp --------------------------------------------------------------------------------------

Mlp::Mlp(int64_t d_model, int64_t hidden, uint64_t seed, Activation activation, DType dtype)
    : linear1_(d_model, hidden, detail::derive_seed(seed, 0), true, activation, dtype),
      linear2_(hidden, d_model, detail::derive_seed(seed, 1), true, Activation::none, dtype) {}

Mlp::Mlp(const StateDict& state, Activation activation, const std::string& prefix)
    : linear1_(linear_from(state, prefix, "linear1", {-1, -1}, activation)),
      linear2_(linear_from(state, prefix, "linear2", {linear1_.in_features(), linear1_.out_features()},
                           Activation::none)) {
  if (linear1_.weight_dtype() != linear2_.weight_dtype()) {
    throw DTypeError(prefix + "linear1 and " + prefix + "linear2 differ in dtype");
  }
}

Mlp Mlp::to(DType precision) const {
  Mlp out = *this;
  out.linear1_ = linear1_.to(precision);
  out.linear2_ = linear2_.to(precision);
  return out;
}

Tensor Mlp::forward(const Tensor& x, Path path) const {
  Tensor hidden;
  {
    TINYACCEL_PROFILE_SCOPE("linear1");
    hidden = linear1_.forward(x, path);
  }
  TINYACCEL_PROFILE_SCOPE("linear2");
  return linear2_.forward(hidden, path);
}

void Mlp::forward_accumulate(const Tensor& x, Tensor& out, Path path) const {
  Tensor hidden;
  {
    TINYACCEL_PROFILE_SCOPE("linear1");
    hidden = linear1_.forward(x, path);
  }
  TINYACCEL_PROFILE_SCOPE("linear2");
  linear2_.forward_accumulate(hidden, out, path);
}

std::vector<LayerCost> Mlp::layer_costs(const Shape& input) const {
  const OpCost c1 = linear1_.cost(input), c2 = linear2_.cost(linear1_.output_shape(input));
  const DType p = weight_dtype();
  return {{"linear1", c1, c1.bytes, p}, {"linear2", c2, c2.bytes, p}};
}

std::vector<LayerCost> Mlp::layer_costs_add(const Shape& input) const {
  const OpCost c1 = linear1_.cost(input);
  const OpCost c2 = linear2_.cost(linear1_.output_shape(input), true);
  const DType p = weight_dtype();
  return {{"linear1", c1, c1.bytes, p}, {"linear2", c2, c2.bytes, p}};
}

StateDict Mlp::state_dict() const {
  StateDict s;
  for (const auto& [k, v] : linear1_.state_dict()) s.emplace("linear1." + k, v);
  for (const auto& [k, v] : linear2_.state_dict()) s.emplace("linear2." + k, v);
  return s;
}

// ---- TransformerBlock -------------------------------------------------------------------------

void validate(const TransformerConfig& c) {
  auto positive = [](int64_t v, const char* field) {
    if (v < 1) throw ValueError(std::string(field) + " must be >= 1 (got " + std::to_string(v) + ")");
  };
  positive(c.d_model, "d_model");
  positive(c.heads, "heads");
  positive(c.ffn, "ffn");
  if (c.d_model % c.heads != 0) {
    throw ValueError("heads (" + std::to_string(c.heads) + ") must divide d_model (" +
                     std::to_string(c.d_model) + ")");
  }
  if (!(c.layer_norm_eps > 0)) {
    throw ValueError("layer_norm_eps must be > 0, got " + std::to_string(c.layer_norm_eps));
  }
  activation_dtype(c.dtype);
}

namespace {

// a·b + c·d + ..., saturating at INT64_MAX.
int64_t sum_of_products(std::initializer_list<std::pair<int64_t, int64_t>> terms) {
  unsigned __int128 total = 0;
  for (const auto& [a, b] : terms) {
    total += static_cast<unsigned __int128>(a) * static_cast<unsigned __int128>(b);
    if (total > INT64_MAX) return INT64_MAX;
  }
  return static_cast<int64_t>(total);
}

int64_t times(int64_t a, int64_t b) { return sum_of_products({{a, b}}); }

// Checked before any parameter is allocated.
const TransformerConfig& checked(const TransformerConfig& config) {
  validate(config);
  require_available_memory(block_memory(config, 1, 1).parameter_bytes,
                       "a transformer block with d_model " + std::to_string(config.d_model) +
                           ", ffn " + std::to_string(config.ffn) + " (" +
                           dtype_name(config.dtype) + " parameters)");
  return config;
}

}  // namespace

BlockMemory block_memory(const TransformerConfig& c, int64_t batch, int64_t seq, Path path) {
  const int64_t d = c.d_model, weight = dtype_size(c.dtype),
                elem = dtype_size(activation_dtype(c.dtype));
  BlockMemory m;
  // Weights in_proj 3d·d, out_proj d·d, linear1 ffn·d, linear2 d·ffn in the block's precision;
  // in the activations' dtype the biases 3d + d + ffn + d, two norms 2·2d and, for int8, one
  // scale per weight row (as many as the biases).
  const int64_t vectors = sum_of_products({{c.dtype == DType::s8 ? 14 : 9, d},
                                           {c.dtype == DType::s8 ? 2 : 1, c.ffn}});
  m.parameter_bytes = sum_of_products({{weight, sum_of_products({{4 * d, d}, {2 * d, c.ffn}})},
                                       {elem, vectors}});
  // Alive at once at most: normed, y, qkv (3), ctx, out_proj's result and a spare (8 rows of d)
  // and the MLP's hidden activation twice; the naive path also holds the scores twice.
  const int64_t tokens = times(batch, seq);
  int64_t elements = sum_of_products({{tokens, times(8, d)}, {tokens, times(2, c.ffn)}});
  if (path == Path::naive) {
    elements = sum_of_products({{1, elements}, {times(2, times(batch, c.heads)),
                                                times(seq, seq)}});
  }
  m.forward_bytes = times(elem, elements);
  return m;
}

TransformerBlock::TransformerBlock(const TransformerConfig& config, uint64_t seed)
    : config_(checked(config)),
      norm1_(config.d_model, config.layer_norm_eps, activation_dtype(config.dtype)),
      norm2_(config.d_model, config.layer_norm_eps, activation_dtype(config.dtype)),
      self_attn_(config.d_model, config.heads, detail::derive_seed(seed, 0), config.causal,
                 config.dtype),
      mlp_(config.d_model, config.ffn, detail::derive_seed(seed, 1), config.activation,
           config.dtype) {}

namespace {

TransformerConfig config_from_state(const StateDict& state, TransformerConfig config) {
  detail::check_names(state, detail::with_scales(state, kBlockNames, kLinearWeights),
                      "TransformerEncoderLayer");
  config.dtype = check_dtypes(state, "TransformerEncoderLayer");
  config.d_model = state_d_model(state);
  config.ffn = detail::take(state, "", "linear1.weight", {-1, config.d_model}).size(0);
  validate(config);
  return config;
}

LayerNorm norm_from(const StateDict& state, const std::string& name, const TransformerConfig& c) {
  const DType act = activation_dtype(c.dtype);
  return LayerNorm(detail::take(state, "", name + ".weight", {c.d_model}).to(act),
                   detail::take(state, "", name + ".bias", {c.d_model}).to(act), c.layer_norm_eps,
                   name);
}

StateDict sub_state(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : state) {
    if (k.rfind(prefix, 0) == 0) out.emplace(k, v);
  }
  return out;
}

}  // namespace

TransformerBlock::TransformerBlock(const StateDict& state, const TransformerConfig& config)
    : config_(config_from_state(state, config)),
      norm1_(norm_from(state, "norm1", config_)),
      norm2_(norm_from(state, "norm2", config_)),
      self_attn_(sub_state(state, "self_attn."), config_.heads, config_.causal, "self_attn."),
      mlp_(sub_state(state, "linear"), config_.activation) {
  if (self_attn_.d_model() != config_.d_model) {
    throw ShapeError("self_attn.in_proj_weight is for d_model " +
                     std::to_string(self_attn_.d_model()) + " but norm1.weight has " +
                     std::to_string(config_.d_model));
  }
}

Tensor TransformerBlock::forward(const Tensor& x, Path path) const {
  if (x.ndim() != 3 || x.size(2) != config_.d_model) {
    throw ShapeError("TransformerBlock: input " + shape_str(x.shape()) +
                     " must be (batch, seq, " + std::to_string(config_.d_model) + ")");
  }
  detail::expect_dtype(x, dtype(), "TransformerBlock");
  Tensor normed;
  {
    TINYACCEL_PROFILE_SCOPE("norm1");
    normed = norm1_.forward(x, path);
  }
  Tensor y;  // the residual stream: y = x + SelfAttn(LN1(x))
  {
    TINYACCEL_PROFILE_SCOPE("self_attn");
    y = self_attn_.forward_add(normed, x, path);
  }
  {
    TINYACCEL_PROFILE_SCOPE("norm2");
    normed = norm2_.forward(y, path);
  }
  TINYACCEL_PROFILE_SCOPE("mlp");
  mlp_.forward_accumulate(normed, y, path);  // y += MLP(LN2(y))
  return y;
}

std::vector<LayerCost> TransformerBlock::layer_costs(const Shape& input) const {
  std::vector<LayerCost> out;
  auto append = [&](const std::string& prefix, std::vector<LayerCost> costs) {
    for (auto& c : costs) {
      c.name = prefix + c.name;
      out.push_back(std::move(c));
    }
  };
  auto norm = [&](const char* name, const LayerNorm& n) {
    auto c = n.layer_costs(input);
    c[0].name = name;
    return c;
  };
  append("", norm("norm1", norm1_));
  append("self_attn.", self_attn_.layer_costs_add(input));
  append("", norm("norm2", norm2_));
  append("mlp.", mlp_.layer_costs_add(input));
  return out;
}

StateDict TransformerBlock::state_dict() const {
  StateDict s = with_prefix(self_attn_.state_dict(), "self_attn.");
  for (auto& [k, v] : mlp_.state_dict()) s.emplace(k, v);
  for (auto& [k, v] : with_prefix(norm1_.state_dict(), "norm1.")) s.emplace(k, v);
  for (auto& [k, v] : with_prefix(norm2_.state_dict(), "norm2.")) s.emplace(k, v);
  return s;
}

TransformerBlock TransformerBlock::to(DType precision) const {
  const DType act = activation_dtype(precision);
  TransformerBlock out = *this;
  out.config_.dtype = precision;
  out.norm1_ = norm1_.to(act);
  out.norm2_ = norm2_.to(act);
  out.self_attn_ = self_attn_.to(precision);
  out.mlp_ = mlp_.to(precision);
  return out;
}

TransformerBlock load_transformer_block(const std::string& npz_path,
                                        const TransformerConfig& config) {
  StateDict state;
  for (auto& [name, tensor] : load_npz(npz_path)) state.emplace(name, std::move(tensor));
  try {
    return TransformerBlock(state, config);
  } catch (const ShapeError& e) {
    throw ShapeError(quote(npz_path) + ": " + e.what());
  } catch (const DTypeError& e) {
    throw DTypeError(quote(npz_path) + ": " + e.what());
  } catch (const ValueError& e) {
    throw ValueError(quote(npz_path) + ": " + e.what());
  }
}

void save_transformer_block(const TransformerBlock& block, const std::string& npz_path) {
  NamedTensors tensors;
  for (const auto& [k, v] : block.state_dict()) tensors.emplace_back(k, v);
  save_npz(npz_path, tensors);
}

}  // namespace tinyaccel::nn
