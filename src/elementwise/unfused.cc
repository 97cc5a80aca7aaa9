// The eager runner: the unfused baseline. Each op is the same math as its fused twin executed
// one pass at a time, every pass writing a freshly allocated tensor that stays alive until the
// op returns, as the locals of an array program do (the seed's temp1..temp7). The passes run
// the same SIMD kernels as the fused ops, threaded the same way, so the comparison isolates the
// execution strategy: the memory traffic and allocations of materialized intermediates.
#include <cmath>
#include <limits>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "elementwise/kernels.hpp"
#include "elementwise/op_args.hpp"
#include "elementwise/runner.hpp"
#include "tinyaccel/elementwise.hpp"

namespace tinyaccel {

using elementwise::Arith;
using elementwise::check_row_vector;
using elementwise::check_same_shape;
using elementwise::contiguous_as;
using elementwise::for_each_range;
using elementwise::for_each_row;
using elementwise::kernels;
using elementwise::promoted_dtype;
using elementwise::rows_cols;
using elementwise::Step;

namespace {

// Passes over tensors shaped like `x`; each returns a new tensor that the runner keeps alive
// until it is destroyed. `x` is the operand of Step::add_x / Step::mul_x.
class EagerRunner {
 public:
  explicit EagerRunner(Tensor x) : x_(std::move(x)) {
    const auto rc = rows_cols(x_.shape());
    rows_ = rc.rows;
    cols_ = rc.cols;
  }

  const Tensor& x() const { return x_; }

  // step(v, x; c) over every element.
  Tensor step(Step s, const Tensor& v, double c = 0) {
    Tensor out = Tensor::empty(x_.shape(), x_.dtype());
    visit_dtype(x_.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto& k = kernels<T>();
      const T* pv = v.data<T>();
      const T* px = x_.data<T>();
      T* py = out.data<T>();
      for_each_range(x_.numel(), [&](int64_t b, int64_t e) {
        k.step(static_cast<int>(s), static_cast<T>(c), pv + b, px + b, py + b, e - b);
      });
    });
    return keep(std::move(out));
  }

  // Row r gets step(v[r, :]; c[r]); rows with skip[r] are left unwritten (uninitialized).
  Tensor row_step(Step s, const Tensor& v, const std::vector<double>& c) {
    Tensor out = Tensor::empty(x_.shape(), x_.dtype());
    visit_dtype(x_.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto& k = kernels<T>();
      const T* pv = v.data<T>();
      T* py = out.data<T>();
      for_each_row(rows_, cols_, [&](int64_t r) {
        k.step(static_cast<int>(s), static_cast<T>(c[r]), pv + r * cols_, nullptr,
               py + r * cols_, cols_);
      });
    });
    return keep(std::move(out));
  }

  // Row r gets v[r, :] (op) w, with w a row vector of length cols (bias, gamma, beta).
  Tensor row_vector_step(Arith op, const Tensor& v, const Tensor& w) {
    Tensor out = Tensor::empty(x_.shape(), x_.dtype());
    visit_dtype(x_.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto& k = kernels<T>();
      const T* pv = v.data<T>();
      const T* pw = w.data<T>();
      T* py = out.data<T>();
      for_each_row(rows_, cols_, [&](int64_t r) {
        k.arith(static_cast<int>(op), pv + r * cols_, pw, nullptr, py + r * cols_, cols_);
      });
    });
    return keep(std::move(out));
  }

  // Per-row Σ v (a reduction pass reading v).
  std::vector<double> row_sums(const Tensor& v) const {
    std::vector<double> sums(static_cast<size_t>(rows_));
    visit_dtype(x_.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto& k = kernels<T>();
      const T* pv = v.data<T>();
      for_each_row(rows_, cols_,
                   [&](int64_t r) { sums[r] = k.row_sum(pv + r * cols_, cols_, T{0}, false); });
    });
    return sums;
  }

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

 private:
  Tensor keep(Tensor t) {
    values_.push_back(std::move(t));
    return values_.back();
  }

  Tensor x_;
  int64_t rows_ = 0, cols_ = 0;
  std::vector<Tensor> values_;  // every intermediate (std::vector may move Tensors: they are
                                // handles, the buffers stay put)
};

constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2 = 0.70710678118654752440;

// The seed's eight passes, reordered only so that ·0.5 precedes ·x: x·(1 + tanh) would overflow
// for |x| > FLT_MAX/2 where 0.5·(1 + tanh)·x does not. x³ saturates to ±inf for
// |x| > ~7e12 in float32, harmlessly: tanh(±inf) = ±1.
Tensor gelu_passes(EagerRunner& run) {
  Tensor t = run.step(Step::cube, run.x());
  t = run.step(Step::mul_c, t, 0.044715);
  t = run.step(Step::add_x, t);
  t = run.step(Step::mul_c, t, kSqrt2OverPi);
  t = run.step(Step::tanh, t);
  t = run.step(Step::add_c, t, 1.0);
  t = run.step(Step::mul_c, t, 0.5);
  return run.step(Step::mul_x, t);
}

// Passes: row mean (reads x), x − mean, square, row mean of squares (reads it), ·rstd, ·gamma,
// +beta.
Tensor layernorm_passes(EagerRunner& run, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, double eps) {
  const double n = static_cast<double>(run.cols());
  std::vector<double> c = run.row_sums(x);
  for (double& s : c) s = -s / n;  // −mean
  const Tensor centred = run.row_step(Step::add_c, x, c);
  const Tensor squares = run.step(Step::square, centred);
  c = run.row_sums(squares);
  for (double& s : c) s = 1.0 / std::sqrt(s / n + eps);  // rstd
  Tensor t = run.row_step(Step::mul_c, centred, c);
  t = run.row_vector_step(Arith::mul, t, gamma);
  return run.row_vector_step(Arith::add, t, beta);
}

void check_eps(const char* op, double eps) {
  if (!(eps >= 0)) {
    throw ValueError(std::string(op) + ": eps must be >= 0, got " + std::to_string(eps));
  }
}

}  // namespace

Tensor unfused_gelu(const Tensor& x) {
  require_compute_dtype("unfused_gelu", {&x});
  EagerRunner run(x.contiguous());
  return gelu_passes(run);
}

Tensor unfused_gelu_erf(const Tensor& x) {
  require_compute_dtype("unfused_gelu_erf", {&x});
  EagerRunner run(x.contiguous());
  Tensor t = run.step(Step::mul_c, run.x(), kInvSqrt2);
  t = run.step(Step::erf, t);
  t = run.step(Step::add_c, t, 1.0);
  t = run.step(Step::mul_c, t, 0.5);
  return run.step(Step::mul_x, t);
}

Tensor unfused_bias_gelu(const Tensor& x, const Tensor& bias) {
  check_row_vector("unfused_bias_gelu", "bias", x, bias);
  const DType dtype = promoted_dtype("unfused_bias_gelu", {&x, &bias});
  EagerRunner add_pass(contiguous_as(x, dtype));
  EagerRunner run(add_pass.row_vector_step(Arith::add, add_pass.x(), contiguous_as(bias, dtype)));
  return gelu_passes(run);
}

Tensor unfused_layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  check_row_vector("unfused_layernorm", "gamma", x, gamma);
  check_row_vector("unfused_layernorm", "beta", x, beta);
  check_eps("unfused_layernorm", eps);
  const DType dtype = promoted_dtype("unfused_layernorm", {&x, &gamma, &beta});
  EagerRunner run(contiguous_as(x, dtype));
  return layernorm_passes(run, run.x(), contiguous_as(gamma, dtype), contiguous_as(beta, dtype),
                          eps);
}

AddLayerNorm unfused_add_layernorm(const Tensor& x, const Tensor& sublayer_out,
                                   const Tensor& gamma, const Tensor& beta, double eps) {
  check_same_shape("unfused_add_layernorm", {&x, &sublayer_out});
  check_row_vector("unfused_add_layernorm", "gamma", x, gamma);
  check_row_vector("unfused_add_layernorm", "beta", x, beta);
  check_eps("unfused_add_layernorm", eps);
  require_compute_dtype("unfused_add_layernorm", {&x, &sublayer_out, &gamma, &beta});
  Tensor sum = add(x, sublayer_out);
  const DType dtype = sum.dtype();
  EagerRunner run(sum);
  Tensor normalized = layernorm_passes(run, sum, contiguous_as(gamma, dtype),
                                       contiguous_as(beta, dtype), eps);
  return {std::move(sum), std::move(normalized)};
}

Tensor unfused_softmax(const Tensor& x, double scale, bool causal) {
  elementwise::check_causal("unfused_softmax", x, causal);
  require_compute_dtype("unfused_softmax", {&x});
  EagerRunner run(x.contiguous());
  const int64_t rows = run.rows(), cols = run.cols();
  const int64_t q_len = x.ndim() >= 2 ? x.size(-2) : 1;
  Tensor t = run.step(Step::mul_c, run.x(), scale);
  // Pass: mask (a copy with -inf past each row's last visible key).
  if (causal) {
    Tensor masked = run.step(Step::mul_c, t, 1.0);
    visit_dtype(x.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* p = masked.data<T>();
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t valid = elementwise::causal_valid(r, q_len, cols, true);
        std::fill(p + r * cols + valid, p + (r + 1) * cols, -std::numeric_limits<T>::infinity());
      }
    });
    t = masked;
  }
  // Pass: row max. Rows whose max is NaN/+inf or -inf take the stated special values at the end.
  std::vector<double> neg_max(static_cast<size_t>(rows));
  std::vector<char> special(static_cast<size_t>(rows), 0);  // 1: NaN row, 2: zero row
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* p = t.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t valid = elementwise::causal_valid(r, q_len, cols, causal);
      double m = -std::numeric_limits<double>::infinity();
      bool nan = false;
      for (int64_t j = 0; j < valid; ++j) {
        nan |= std::isnan(p[r * cols + j]);
        m = std::max(m, static_cast<double>(p[r * cols + j]));
      }
      special[r] = (nan || m == std::numeric_limits<double>::infinity()) ? 1
                   : (m == -std::numeric_limits<double>::infinity()) ? 2 : 0;
      neg_max[r] = special[r] ? 0.0 : -m;
    }
  });
  t = run.row_step(Step::add_c, t, neg_max);   // x − max
  const Tensor e = run.step(Step::exp, t);     // exp
  std::vector<double> inv_sum = run.row_sums(e);  // row sum
  for (double& s : inv_sum) s = 1.0 / s;
  Tensor out = run.row_step(Step::mul_c, e, inv_sum);  // divide
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = out.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      if (!special[r]) continue;
      const int64_t valid = elementwise::causal_valid(r, q_len, cols, causal);
      std::fill(p + r * cols, p + r * cols + valid,
                special[r] == 1 ? std::numeric_limits<T>::quiet_NaN() : T{0});
      std::fill(p + r * cols + valid, p + (r + 1) * cols, T{0});
    }
  });
  return out;
}

Tensor unfused_add_mul(const Tensor& a, const Tensor& b, const Tensor& c) {
  check_same_shape("unfused_add_mul", {&a, &b, &c});
  require_compute_dtype("unfused_add_mul", {&a, &b, &c});
  Tensor t = add(a, b);
  return mul(t, c);
}

}  // namespace tinyaccel
