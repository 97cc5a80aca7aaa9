// tinyaccel.nn: the transformer block, its naive twin, and the per-layer profile.
#include <nanobind/stl/map.h>

#include <tinyaccel/nn.hpp>
#include <tinyaccel/profiler.hpp>

#include "common.hpp"

namespace tinyaccel::python {
namespace {

nn::TransformerConfig config_of(int64_t heads, bool causal, const std::string& activation,
                                double eps) {
  nn::TransformerConfig c;
  c.heads = heads;
  c.causal = causal;
  c.activation = parse_activation(activation);
  c.layer_norm_eps = eps;
  return c;
}

nb::dict layer_dict(const LayerProfile& l) {
  const Placement& p = l.placement;
  nb::dict d;
  d["name"] = l.name;
  d["median_s"] = l.timing.median_s;
  d["time_share"] = l.time_share;
  d["flops"] = p.point.cost.flops;
  d["bytes"] = p.point.cost.bytes;
  d["intensity"] = p.intensity;
  d["gflops"] = p.gflops;
  d["level"] = p.level;
  d["attainable_gflops"] = p.attainable_gflops;
  d["efficiency"] = p.efficiency;
  d["bound"] = l.bound;
  d["recommendation"] = l.recommendation;
  d["flag"] = p.flagged() ? nb::object(nb::str(p.flag.c_str())) : nb::none();
  return d;
}

}  // namespace

void bind_nn(nb::module_& m) {
  using nn::TransformerBlock;
  nb::class_<TransformerBlock>(m, "TransformerBlock")
      .def("__init__", [](TransformerBlock* self, const std::map<std::string, Array>& state,
                          int64_t heads, bool causal, const std::string& activation,
                          double eps) {
        nn::StateDict owned;
        for (const auto& [name, array] : state) owned[name] = borrow(array, name.c_str()).clone();
        new (self) TransformerBlock(owned, config_of(heads, causal, activation, eps));
      }, "state"_a, "heads"_a, "causal"_a = false, "activation"_a = "gelu_erf", "eps"_a = 1e-5)
      .def("to", [](const TransformerBlock& b, const std::string& precision) {
        return b.to(nn::parse_precision(precision));
      }, "precision"_a)
      .def_static("random", [](int64_t d_model, int64_t heads, int64_t ffn, uint64_t seed,
                               bool causal, const std::string& activation, double eps,
                               const std::string& dtype) {
        nn::TransformerConfig c = config_of(heads, causal, activation, eps);
        c.d_model = d_model;
        c.ffn = ffn;
        c.dtype = nn::parse_precision(dtype);
        nn::validate(c);
        return TransformerBlock(c, seed);
      }, "d_model"_a = 768, "heads"_a = 12, "ffn"_a = 3072, "seed"_a = 0, "causal"_a = false,
         "activation"_a = "gelu_erf", "eps"_a = 1e-5, "dtype"_a = "float32")
      .def_static("load", [](const std::string& path, int64_t heads, bool causal,
                             const std::string& activation, double eps) {
        return nn::load_transformer_block(path, config_of(heads, causal, activation, eps));
      }, "path"_a, "heads"_a, "causal"_a = false, "activation"_a = "gelu_erf", "eps"_a = 1e-5)
      .def("save", [](const TransformerBlock& b, const std::string& path) {
        nn::save_transformer_block(b, path);
      }, "path"_a)
      .def("forward", [](const TransformerBlock& b, const Array& x, bool naive) {
        const Tensor tx = borrow(x, "x");
        const nn::Path path = naive ? nn::Path::naive : nn::Path::accelerated;
        return to_numpy(released([&] { return b.forward(tx, path); }));
      }, "x"_a, "naive"_a = false)
      .def("state_dict", [](const TransformerBlock& b) {
        nb::dict d;
        for (const auto& [name, t] : b.state_dict()) d[name.c_str()] = to_numpy(t.clone());
        return d;
      })
      .def("layer_costs", [](const TransformerBlock& b, const Shape& input) {
        nb::list out;
        for (const nn::LayerCost& l : b.layer_costs(input)) {
          out.append(nb::make_tuple(l.name, l.cost.flops, l.cost.bytes, l.working_set_bytes,
                                    std::string(dtype_name(l.dtype))));
        }
        return out;
      }, "input_shape"_a)
      .def("profile", [](const TransformerBlock& b, const Array& x, const RooflineReport& roofs,
                         int warmup, int iterations, bool naive) {
        const Tensor tx = borrow(x, "x");
        ProfileOptions options;
        options.warmup = warmup;
        options.iterations = iterations;
        options.path = naive ? nn::Path::naive : nn::Path::accelerated;
        const ForwardProfile p =
            released([&] { return profile_forward_pass(b, tx, roofs.roofs, options); });
        nb::list layers;
        for (const LayerProfile& l : p.layers) layers.append(layer_dict(l));
        nb::dict d;
        d["total_median_s"] = p.total.median_s;
        d["layers"] = layers;
        d["flops"] = p.flops;
        d["bytes"] = p.bytes;
        d["threads"] = p.threads;
        d["activation_peak_bytes"] = p.memory.activation_peak_bytes;
        d["note"] = p.note;
        return d;
      }, "x"_a, "roofs"_a, "warmup"_a = 2, "iterations"_a = 10, "naive"_a = false)
      .def_prop_ro("d_model", [](const TransformerBlock& b) { return b.config().d_model; })
      .def_prop_ro("heads", [](const TransformerBlock& b) { return b.config().heads; })
      .def_prop_ro("ffn", [](const TransformerBlock& b) { return b.config().ffn; })
      .def_prop_ro("causal", [](const TransformerBlock& b) { return b.config().causal; })
      .def_prop_ro("dtype", [](const TransformerBlock& b) {
        return std::string(dtype_name(b.dtype()));
      })
      .def_prop_ro("precision", [](const TransformerBlock& b) {
        return std::string(dtype_name(b.weight_dtype()));
      });
}

}  // namespace tinyaccel::python
