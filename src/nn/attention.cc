// Multi-head self-attention. One GEMM projects x to packed [q k v]; the heads are strided views
// of it (no split copies) that the fused attention kernel reads in place, writing each head's
// context into its columns of the output.
#include <cmath>

#include "nn/state.hpp"
#include "tinyaccel/attention.hpp"
#include "tinyaccel/trace.hpp"

namespace tinyaccel::nn {
namespace {

const std::vector<std::string> kAttentionNames = {"in_proj_weight", "in_proj_bias",
                                                  "out_proj.weight", "out_proj.bias"};

void check_heads(int64_t d_model, int64_t heads) {
  if (d_model < 1 || heads < 1 || d_model % heads != 0) {
    throw ValueError("MultiHeadAttention: heads (" + std::to_string(heads) +
                     ") must be >= 1 and divide d_model (" + std::to_string(d_model) + ")");
  }
}

// Seeded weights are drawn in the activations' dtype and converted to the precision.
Linear seeded_in_proj(int64_t d, uint64_t seed, DType precision) {
  check_heads(d, 1);
  // MultiheadAttention._reset_parameters: xavier_uniform_ on the (3d, d) in_proj_weight
  // (bound √(6 / (fan_in + fan_out)) = √(6 / 4d)), zero in_proj_bias.
  const DType act = activation_dtype(precision);
  const double bound = std::sqrt(6.0 / (4.0 * static_cast<double>(d)));
  return Linear(detail::uniform({3 * d, d}, bound, seed, act), Tensor({3 * d}, act),
                Activation::none, "in_proj")
      .to(precision);
}

Linear seeded_out_proj(int64_t d, uint64_t seed, DType precision) {
  // out_proj keeps nn.Linear's weight init; _reset_parameters zeroes its bias.
  const DType act = activation_dtype(precision);
  const double bound = 1.0 / std::sqrt(static_cast<double>(d));
  return Linear(detail::uniform({d, d}, bound, seed, act), Tensor({d}, act), Activation::none,
                "out_proj")
      .to(precision);
}

Linear in_proj_from(const StateDict& state, const std::string& prefix) {
  detail::check_names(
      [&] {
        StateDict mine;
        for (const auto& [k, v] : state) {
          if (k.rfind(prefix, 0) == 0) mine.emplace(k, v);
        }
        return mine;
      }(),
      [&] {
        std::vector<std::string> names;
        for (const auto& n : kAttentionNames) names.push_back(prefix + n);
        return detail::with_scales(state, names,
                                   {prefix + "in_proj_weight", prefix + "out_proj.weight"});
      }(),
      "attention");
  const int64_t d = detail::take(state, prefix, "in_proj_weight", {-1, -1}).size(1);
  return detail::take_linear(state, prefix, "in_proj_weight", "in_proj_bias", {3 * d, d},
                             Activation::none, "in_proj");
}

Linear out_proj_from(const StateDict& state, const std::string& prefix, int64_t d) {
  return detail::take_linear(state, prefix, "out_proj.weight", "out_proj.bias", {d, d},
                             Activation::none, "out_proj");
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(int64_t d_model, int64_t heads, uint64_t seed, bool causal,
                                       DType dtype)
    : in_proj_(seeded_in_proj(d_model, detail::derive_seed(seed, 0), dtype)),
      out_proj_(seeded_out_proj(d_model, detail::derive_seed(seed, 1), dtype)),
      heads_(heads),
      causal_(causal) {
  check_heads(d_model, heads);
}

MultiHeadAttention::MultiHeadAttention(const StateDict& state, int64_t heads, bool causal,
                                       const std::string& prefix)
    : in_proj_(in_proj_from(state, prefix)),
      out_proj_(out_proj_from(state, prefix, in_proj_.in_features())),
      heads_(heads),
      causal_(causal) {
  check_heads(d_model(), heads);
  if (in_proj_.weight_dtype() != out_proj_.weight_dtype()) {
    throw DTypeError(prefix + "in_proj_weight and " + prefix + "out_proj.weight differ in dtype");
  }
}

MultiHeadAttention MultiHeadAttention::to(DType precision) const {
  MultiHeadAttention out = *this;
  out.in_proj_ = in_proj_.to(precision);
  out.out_proj_ = out_proj_.to(precision);
  return out;
}

void MultiHeadAttention::check_input(const Tensor& x) const {
  if (x.ndim() != 3 || x.size(2) != d_model()) {
    throw ShapeError("MultiHeadAttention: input " + shape_str(x.shape()) +
                     " must be (batch, seq, " + std::to_string(d_model()) + ")");
  }
  detail::expect_dtype(x, dtype(), "MultiHeadAttention");
}

Tensor MultiHeadAttention::attend(const Tensor& x, Path path) const {
  const int64_t batch = x.size(0), seq = x.size(1), d = d_model(), head_dim = d / heads_;
  const bool naive_path = path == Path::naive;
  Tensor qkv;
  {
    TINYACCEL_PROFILE_SCOPE("in_proj");
    qkv = in_proj_.forward(x, path);  // (batch, seq, 3d), contiguous
  }
  // (batch, seq, 3, heads, head_dim) → (3, batch, heads, seq, head_dim): views of qkv whose rows
  // (one query/key/value vector) are contiguous, 3d elements apart.
  const Tensor heads5 = qkv.reshape({batch, seq, 3, heads_, head_dim}).permute({2, 0, 3, 1, 4});
  const Tensor q = heads5.slice(0, 0, 1), k = heads5.slice(0, 1, 2), v = heads5.slice(0, 2, 3);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  TINYACCEL_PROFILE_SCOPE("attention");
  if (naive_path) {
    const Tensor ctx = naive::attention(q, k, v, scale, causal_);  // (1, batch, heads, seq, hd)
    return ctx.permute({0, 1, 3, 2, 4}).contiguous().reshape({batch, seq, d});
  }
  // The fused kernel writes each head's context straight into its columns of (batch, seq, d).
  Tensor ctx = Tensor::empty({batch, seq, d}, qkv.dtype());
  Tensor ctx_heads = ctx.reshape({1, batch, seq, heads_, head_dim}).permute({0, 1, 3, 2, 4});
  attention_into(q, k, v, scale, causal_, ctx_heads);
  return ctx;
}

Tensor MultiHeadAttention::forward(const Tensor& x, Path path) const {
  check_input(x);
  const Tensor ctx = attend(x, path);
  TINYACCEL_PROFILE_SCOPE("out_proj");
  return out_proj_.forward(ctx, path);
}

Tensor MultiHeadAttention::forward_add(const Tensor& x, const Tensor& residual, Path path) const {
  check_input(x);
  if (residual.shape() != x.shape()) {
    throw ShapeError("MultiHeadAttention: residual " + shape_str(residual.shape()) +
                     " must have the input's shape " + shape_str(x.shape()));
  }
  const Tensor ctx = attend(x, path);
  TINYACCEL_PROFILE_SCOPE("out_proj");
  Tensor out = residual.clone();
  out_proj_.forward_accumulate(ctx, out, path);
  return out;
}

namespace {

std::vector<LayerCost> attention_costs(const Linear& in_proj, const Linear& out_proj,
                                       int64_t heads, bool causal, const Shape& input,
                                       bool add) {
  if (input.size() != 3 || input[2] != in_proj.in_features()) {
    throw ShapeError("MultiHeadAttention: input " + shape_str(input) + " must be (batch, seq, " +
                     std::to_string(in_proj.in_features()) + ")");
  }
  const int64_t b = input[0], s = input[1], hd = input[2] / heads;
  const DType dt = in_proj.dtype();
  std::vector<LayerCost> out;
  auto push = [&](const char* name, OpCost c, DType precision) {
    out.push_back({name, c, c.bytes, precision});
  };
  push("in_proj", in_proj.cost(input), in_proj.weight_dtype());
  const Shape heads_shape = {b, heads, s, hd};
  push("attention", attention_cost(heads_shape, heads_shape, heads_shape, dt, causal), dt);
  push("out_proj", out_proj.cost(input, add), out_proj.weight_dtype());
  return out;
}

}  // namespace

std::vector<LayerCost> MultiHeadAttention::layer_costs(const Shape& input) const {
  return attention_costs(in_proj_, out_proj_, heads_, causal_, input, false);
}

std::vector<LayerCost> MultiHeadAttention::layer_costs_add(const Shape& input) const {
  return attention_costs(in_proj_, out_proj_, heads_, causal_, input, true);
}

StateDict MultiHeadAttention::state_dict() const {
  StateDict s;
  for (const auto& [k, v] : in_proj_.state_dict()) s.emplace("in_proj_" + k, v);
  for (const auto& [k, v] : out_proj_.state_dict()) s.emplace("out_proj." + k, v);
  return s;
}

}  // namespace tinyaccel::nn
