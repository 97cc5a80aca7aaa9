// The kernels: thin calls that borrow the arrays, release the GIL and hand back NumPy arrays.
// The `_out` forms write into a caller's array and return nothing (the Python layer returns it).
#include <tinyaccel/attention.hpp>
#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/matmul.hpp>

#include "common.hpp"

namespace tinyaccel::python {
namespace {

using Unary = Tensor (*)(const Tensor&);

void def_unary(nb::module_& m, const char* name, Unary fn) {
  m.def(name, [fn](const Array& x) {
    const Tensor tx = borrow(x, "x");
    return to_numpy(released([&] { return fn(tx); }));
  }, "x"_a);
}

void bind_matmul(nb::module_& m) {
  m.def("matmul", [](const Array& a, const Array& b, const std::string& backend) {
    const Tensor ta = borrow(a, "a"), tb = borrow(b, "b");
    const Backend be = parse_backend(backend);
    return to_numpy(released([&] { return matmul(ta, tb, be); }));
  }, "a"_a, "b"_a, "backend"_a = "auto");
  m.def("matmul_out", [](const Array& a, const Array& b, const OutArray& out,
                         const std::string& backend) {
    const Tensor ta = borrow(a, "a"), tb = borrow(b, "b");
    Tensor to = borrow_out(out, "out");
    GemmOptions options;
    options.backend = parse_backend(backend);
    released([&] {
      if (ta.ndim() == 2 && tb.ndim() == 2 && ta.dtype() == to.dtype() &&
          tb.dtype() == to.dtype()) {
        fused_gemm(ta, tb, to, options);  // straight into out, any strides
      } else {
        const Tensor r = matmul(ta, tb, options.backend);
        if (r.shape() != to.shape()) {
          throw ShapeError("matmul: out has shape " + shape_str(to.shape()) +
                           ", the result has " + shape_str(r.shape()));
        }
        if (r.dtype() != to.dtype()) {
          throw DTypeError(std::string("matmul: out is ") + dtype_name(to.dtype()) +
                           ", the result is " + dtype_name(r.dtype()));
        }
        to.copy_from(r);
      }
    });
  }, "a"_a, "b"_a, "out"_a, "backend"_a = "auto");
  m.def("tiled_matmul", [](const Array& a, const Array& b, int64_t tile_size) {
    const Tensor ta = borrow(a, "a"), tb = borrow(b, "b");
    return to_numpy(released([&] { return tiled_matmul(ta, tb, tile_size); }));
  }, "a"_a, "b"_a, "tile_size"_a = 64);
  m.def("linear", [](const Array& x, const Array& weight, const std::optional<Array>& bias,
                     const std::string& activation) {
    const Tensor tx = borrow(x, "x"), tw = borrow(weight, "weight");
    const std::optional<Tensor> tb = borrow(bias, "bias");
    const Activation act = parse_activation(activation);
    return to_numpy(released([&] { return linear(tx, tw, tb, act); }));
  }, "x"_a, "weight"_a, "bias"_a = nb::none(), "activation"_a = "none");
  m.def("attention", [](const Array& q, const Array& k, const Array& v, double scale,
                        bool causal, bool naive) {
    const Tensor tq = borrow(q, "q"), tk = borrow(k, "k"), tv = borrow(v, "v");
    return to_numpy(released([&] {
      return naive ? naive::attention(tq, tk, tv, scale, causal)
                   : attention(tq, tk, tv, scale, causal);
    }));
  }, "q"_a, "k"_a, "v"_a, "scale"_a, "causal"_a = false, "naive"_a = false);
}

void bind_gelu_family(nb::module_& m) {
  using OutForm = void (*)(const Tensor&, Tensor&);
  const auto def_out = [&m](const char* name, OutForm fn) {
    m.def(name, [fn](const Array& x, const OutArray& out) {
      const Tensor tx = borrow(x, "x");
      Tensor to = borrow_out(out, "out");
      released([&] { fn(tx, to); });
    }, "x"_a, "out"_a);
  };
  def_unary(m, "fused_gelu", static_cast<Unary>(&fused_gelu));
  def_out("fused_gelu_out", static_cast<OutForm>(&fused_gelu));
  def_unary(m, "unfused_gelu", &unfused_gelu);
  def_unary(m, "gelu_erf", static_cast<Unary>(&gelu_erf));
  def_out("gelu_erf_out", static_cast<OutForm>(&gelu_erf));
  def_unary(m, "unfused_gelu_erf", &unfused_gelu_erf);
  def_unary(m, "naive_gelu", static_cast<Unary>(&naive::gelu));
  def_unary(m, "naive_gelu_erf", static_cast<Unary>(&naive::gelu_erf));

  using Biased = Tensor (*)(const Tensor&, const Tensor&);
  for (auto [name, fn] : {std::pair<const char*, Biased>{"bias_gelu", &bias_gelu},
                          {"unfused_bias_gelu", &unfused_bias_gelu},
                          {"naive_bias_gelu", &naive::bias_gelu}}) {
    m.def(name, [fn](const Array& x, const Array& bias) {
      const Tensor tx = borrow(x, "x"), tb = borrow(bias, "bias");
      return to_numpy(released([&] { return fn(tx, tb); }));
    }, "x"_a, "bias"_a);
  }
  m.def("bias_gelu_out", [](const Array& x, const Array& bias, const OutArray& out) {
    const Tensor tx = borrow(x, "x"), tb = borrow(bias, "bias");
    Tensor to = borrow_out(out, "out");
    released([&] { bias_gelu(tx, tb, to); });
  }, "x"_a, "bias"_a, "out"_a);
}

void bind_rows(nb::module_& m) {
  using Norm = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, double);
  for (auto [name, fn] : {std::pair<const char*, Norm>{"layernorm", &layernorm},
                          {"unfused_layernorm", &unfused_layernorm},
                          {"naive_layernorm", &naive::layernorm}}) {
    m.def(name, [fn](const Array& x, const Array& gamma, const Array& beta, double eps) {
      const Tensor tx = borrow(x, "x"), tg = borrow(gamma, "gamma"), tb = borrow(beta, "beta");
      return to_numpy(released([&] { return fn(tx, tg, tb, eps); }));
    }, "x"_a, "gamma"_a, "beta"_a, "eps"_a = 1e-5);
  }
  using AddNorm = AddLayerNorm (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                   double);
  for (auto [name, fn] : {std::pair<const char*, AddNorm>{"add_layernorm", &add_layernorm},
                          {"unfused_add_layernorm", &unfused_add_layernorm},
                          {"naive_add_layernorm", &naive::add_layernorm}}) {
    m.def(name, [fn](const Array& x, const Array& sub, const Array& gamma, const Array& beta,
                     double eps) {
      const Tensor tx = borrow(x, "x"), ts = borrow(sub, "sublayer_out");
      const Tensor tg = borrow(gamma, "gamma"), tb = borrow(beta, "beta");
      AddLayerNorm r = released([&] { return fn(tx, ts, tg, tb, eps); });
      return nb::make_tuple(to_numpy(std::move(r.sum)), to_numpy(std::move(r.normalized)));
    }, "x"_a, "sublayer_out"_a, "gamma"_a, "beta"_a, "eps"_a = 1e-5);
  }
  using Soft = Tensor (*)(const Tensor&, double, bool);
  for (auto [name, fn] : {std::pair<const char*, Soft>{"softmax", &softmax},
                          {"unfused_softmax", &unfused_softmax},
                          {"naive_softmax", &naive::softmax}}) {
    m.def(name, [fn](const Array& x, double scale, bool causal) {
      const Tensor tx = borrow(x, "x");
      return to_numpy(released([&] { return fn(tx, scale, causal); }));
    }, "x"_a, "scale"_a = 1.0, "causal"_a = false);
  }
}

void bind_binary(nb::module_& m) {
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  for (auto [name, fn] : {std::pair<const char*, Binary>{"add", &add}, {"mul", &mul},
                          {"naive_add", &naive::add}, {"naive_mul", &naive::mul}}) {
    m.def(name, [fn](const Array& a, const Array& b) {
      const Tensor ta = borrow(a, "a"), tb = borrow(b, "b");
      return to_numpy(released([&] { return fn(ta, tb); }));
    }, "a"_a, "b"_a);
  }
  using Ternary = Tensor (*)(const Tensor&, const Tensor&, const Tensor&);
  for (auto [name, fn] : {std::pair<const char*, Ternary>{"add_mul", &add_mul},
                          {"unfused_add_mul", &unfused_add_mul},
                          {"naive_add_mul", &naive::add_mul}}) {
    m.def(name, [fn](const Array& a, const Array& b, const Array& c) {
      const Tensor ta = borrow(a, "a"), tb = borrow(b, "b"), tc = borrow(c, "c");
      return to_numpy(released([&] { return fn(ta, tb, tc); }));
    }, "a"_a, "b"_a, "c"_a);
  }
}

// Declared costs (cost.hpp), as (flops, bytes): what the profiler records per call.
void bind_costs(nb::module_& m) {
  using Pair = std::pair<int64_t, int64_t>;
  const auto pair = [](OpCost c) { return Pair{c.flops, c.bytes}; };
  m.def("matmul_cost", [pair](const Shape& a, const Shape& b, const std::string& dtype) {
    return pair(matmul_cost(a, b, parse_dtype(dtype)));
  }, "a"_a, "b"_a, "dtype"_a);
  m.def("linear_cost", [pair](const Shape& x, const Shape& weight, bool bias,
                              const std::string& activation, const std::string& dtype) {
    return pair(linear_cost(x, weight, bias, parse_activation(activation),
                            parse_dtype(dtype)));
  }, "x"_a, "weight"_a, "bias"_a, "activation"_a, "dtype"_a);
  m.def("attention_cost", [pair](const Shape& q, const Shape& k, const Shape& v,
                                 const std::string& dtype, bool causal) {
    return pair(attention_cost(q, k, v, parse_dtype(dtype), causal));
  }, "q"_a, "k"_a, "v"_a, "dtype"_a, "causal"_a = false);
  using Flat = OpCost (*)(int64_t, DType, bool);
  for (auto [name, fn] : {std::pair<const char*, Flat>{"gelu_cost", &gelu_cost},
                          {"gelu_erf_cost", &gelu_erf_cost},
                          {"add_mul_cost", &add_mul_cost}}) {
    m.def(name, [pair, fn](int64_t numel, const std::string& dtype, bool fused) {
      return pair(fn(numel, parse_dtype(dtype), fused));
    }, "numel"_a, "dtype"_a, "fused"_a = true);
  }
  using Rows = OpCost (*)(int64_t, int64_t, DType, bool);
  for (auto [name, fn] : {std::pair<const char*, Rows>{"bias_gelu_cost", &bias_gelu_cost},
                          {"layernorm_cost", &layernorm_cost},
                          {"add_layernorm_cost", &add_layernorm_cost}}) {
    m.def(name, [pair, fn](int64_t rows, int64_t cols, const std::string& dtype, bool fused) {
      return pair(fn(rows, cols, parse_dtype(dtype), fused));
    }, "rows"_a, "cols"_a, "dtype"_a, "fused"_a = true);
  }
  m.def("softmax_cost", [pair](int64_t rows, int64_t cols, const std::string& dtype, bool causal,
                               bool fused) {
    return pair(softmax_cost(rows, cols, parse_dtype(dtype), causal, fused));
  }, "rows"_a, "cols"_a, "dtype"_a, "causal"_a = false, "fused"_a = true);
  m.def("add_cost", [pair](int64_t numel, const std::string& dtype) {
    return pair(add_cost(numel, parse_dtype(dtype)));
  }, "numel"_a, "dtype"_a);
}

}  // namespace

void bind_ops(nb::module_& m) {
  bind_matmul(m);
  bind_gelu_family(m);
  bind_rows(m);
  bind_binary(m);
  bind_costs(m);
}

}  // namespace tinyaccel::python
