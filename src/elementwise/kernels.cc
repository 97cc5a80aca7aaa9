// Raw-array element-wise kernels, compiled once per Highway target, and the kernel table that
// maps our ISA tiers onto those targets.
//
// Targets built: AVX3 (avx512 tier), AVX2 (avx2 tier) and HWY_BASELINE_SCALAR, Highway's
// portable C++ target (scalar tier: EMU128, or one-lane HWY_SCALAR where GCC < 13 miscompiles
// EMU128). SSSE3/SSE4/AVX3_DL are not built: no tier maps to them.
// Dispatch: HWY_EXPORT makes one table per function with an entry per compiled target; instead
// of HWY_DYNAMIC_DISPATCH (which picks Highway's own best target once for the process) the
// kernel table indexes those tables with the target of active_isa(), so TINYACCEL_ISA and
// force_isa() lower the element-wise kernels too and tests can run every tier the CPU has.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "elementwise/kernels.cc"
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "elementwise/kernels.hpp"
#include "tinyaccel/errors.hpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include "elementwise/functors-inl.h"

HWY_BEFORE_NAMESPACE();
namespace tinyaccel::elementwise::HWY_NAMESPACE {
namespace {

// ---- the head/body/tail runner ----------------------------------------------------------------
// y[i] = f(d, in0[i], in1[i], ...) for i < n. Body: two full vectors per iteration (independent
// chains for the out-of-order core); tail: the remaining m < N elements of every input copied
// into a zero-padded vector, computed full-width, m results copied out. Loads of an iteration
// precede its stores, so y may alias an input exactly (in-place).
template <class D, class F, size_t K, size_t... I>
HWY_INLINE void RunImpl(D d, const F& f, hn::TFromD<D>* y, int64_t n,
                        const std::array<const hn::TFromD<D>*, K>& in,
                        std::index_sequence<I...>) {
  using T = hn::TFromD<D>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto r0 = f(d, hn::LoadU(d, in[I] + i)...);
    const auto r1 = f(d, hn::LoadU(d, in[I] + i + lanes)...);
    hn::StoreU(r0, d, y + i);
    hn::StoreU(r1, d, y + i + lanes);
  }
  for (; i + lanes <= n; i += lanes) hn::StoreU(f(d, hn::LoadU(d, in[I] + i)...), d, y + i);
  if (i < n) {
    const int64_t m = n - i;
    HWY_ALIGN T buf[K + 1][HWY_LANES(T)] = {};
    for (size_t k = 0; k < K; ++k) std::copy_n(in[k] + i, m, buf[k]);
    hn::Store(f(d, hn::Load(d, buf[I])...), d, buf[K]);
    std::copy_n(buf[K], m, y + i);
  }
}

template <class D, class F, class... P>
HWY_INLINE void Run(D d, const F& f, hn::TFromD<D>* y, int64_t n, const P*... in) {
  RunImpl(d, f, y, n, std::array<const hn::TFromD<D>*, sizeof...(P)>{in...},
          std::index_sequence_for<P...>{});
}

// ---- functors of two or three operands -------------------------------------------------------
template <class Act>
struct WithBias {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V x, V b) const {
    return Act()(d, hn::Add(x, b));
  }
};
struct AddOp {
  template <class D, class V>
  HWY_INLINE V operator()(D, V a, V b) const { return hn::Add(a, b); }
};
struct MulOp {
  template <class D, class V>
  HWY_INLINE V operator()(D, V a, V b) const { return hn::Mul(a, b); }
};
struct AddMulOp {
  template <class D, class V>
  HWY_INLINE V operator()(D, V a, V b, V c) const { return hn::Mul(hn::Add(a, b), c); }
};

// Eager-chain steps.
struct CubeOp {
  template <class D, class V>
  HWY_INLINE V operator()(D, V v) const { return hn::Mul(hn::Mul(v, v), v); }
};
struct SquareOp {
  template <class D, class V>
  HWY_INLINE V operator()(D, V v) const { return hn::Mul(v, v); }
};
template <typename T>
struct MulConstOp {
  T c;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v) const { return hn::Mul(v, hn::Set(d, c)); }
};
template <typename T>
struct AddConstOp {
  T c;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v) const { return hn::Add(v, hn::Set(d, c)); }
};
struct MulXZeroSafeOp {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v, V x) const {
    return hn::IfThenZeroElse(hn::Eq(v, hn::Zero(d)), hn::Mul(x, v));
  }
};
struct TanhOp {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v) const { return hn::Tanh(d, v); }
};
struct ErfF32Op {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v) const { return ErfF32(d, v); }
};
struct ExpOp {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V v) const { return hn::Exp(d, v); }
};

// ---- kernels -----------------------------------------------------------------------------------
template <typename T>
void ActivationImpl(int act, const T* x, const T* bias, T* y, int64_t n) {
  const hn::ScalableTag<T> d;
  switch (static_cast<Activation>(act)) {
    case Activation::gelu:
      if (bias) return Run(d, WithBias<GeluTanh>(), y, n, x, bias);
      return Run(d, GeluTanh(), y, n, x);
    case Activation::gelu_erf:
      if constexpr (sizeof(T) == 4) {
        if (bias) return Run(d, WithBias<GeluErf>(), y, n, x, bias);
        return Run(d, GeluErf(), y, n, x);
      } else {
        // float64: libm erfc (no SIMD erfc here reaches 1e-13); same form as GeluErf.
        for (int64_t i = 0; i < n; ++i) {
          const T v = x[i] + (bias ? bias[i] : T{0});
          y[i] = v < -kGeluCut ? T{0} : T{0.5} * v * std::erfc(-v * T{0.70710678118654752440});
        }
        return;
      }
    case Activation::relu:
      if (bias) return Run(d, WithBias<Relu>(), y, n, x, bias);
      return Run(d, Relu(), y, n, x);
    default:
      if (bias) return Run(d, AddOp(), y, n, x, bias);
      if (y != x) std::memmove(y, x, static_cast<size_t>(n) * sizeof(T));
      return;
  }
}

template <typename T>
void StepImpl(int step, T c, const T* v, const T* x, T* y, int64_t n) {
  const hn::ScalableTag<T> d;
  switch (static_cast<Step>(step)) {
    case Step::cube: return Run(d, CubeOp(), y, n, v);
    case Step::square: return Run(d, SquareOp(), y, n, v);
    case Step::mul_c: return Run(d, MulConstOp<T>{c}, y, n, v);
    case Step::add_c: return Run(d, AddConstOp<T>{c}, y, n, v);
    case Step::add_x: return Run(d, AddOp(), y, n, v, x);
    case Step::mul_x: return Run(d, MulXZeroSafeOp(), y, n, v, x);
    case Step::tanh: return Run(d, TanhOp(), y, n, v);
    case Step::erf:
      if constexpr (sizeof(T) == 4) {
        return Run(d, ErfF32Op(), y, n, v);
      } else {
        for (int64_t i = 0; i < n; ++i) y[i] = std::erf(v[i]);
        return;
      }
    case Step::exp: return Run(d, ExpOp(), y, n, v);
  }
}

template <typename T>
void ArithImpl(int op, const T* a, const T* b, const T* c, T* y, int64_t n) {
  const hn::ScalableTag<T> d;
  switch (static_cast<Arith>(op)) {
    case Arith::add: return Run(d, AddOp(), y, n, a, b);
    case Arith::mul: return Run(d, MulOp(), y, n, a, b);
    case Arith::add_mul: return Run(d, AddMulOp(), y, n, a, b, c);
  }
}

// Sum over p[0:n) with `lanes` partial sums (fixed order: deterministic); `center` is
// subtracted and the difference squared when `squares`.
template <class D>
HWY_INLINE double RowSum(D d, const hn::TFromD<D>* p, int64_t n, hn::TFromD<D> center,
                         bool squares) {
  using T = hn::TFromD<D>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto vc = hn::Set(d, center);
  auto acc0 = hn::Zero(d), acc1 = hn::Zero(d);
  auto term = [&](auto v) HWY_ATTR {
    const auto c = hn::Sub(v, vc);
    return squares ? hn::Mul(c, c) : v;
  };
  int64_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    acc0 = hn::Add(acc0, term(hn::LoadU(d, p + i)));
    acc1 = hn::Add(acc1, term(hn::LoadU(d, p + i + lanes)));
  }
  for (; i + lanes <= n; i += lanes) acc0 = hn::Add(acc0, term(hn::LoadU(d, p + i)));
  if (i < n) {
    HWY_ALIGN T buf[HWY_LANES(T)] = {};
    std::copy_n(p + i, n - i, buf);
    const auto t = hn::IfThenElseZero(hn::FirstN(d, static_cast<size_t>(n - i)),
                                      term(hn::Load(d, buf)));
    acc1 = hn::Add(acc1, t);
  }
  return static_cast<double>(hn::GetLane(hn::SumOfLanes(d, hn::Add(acc0, acc1))));
}

template <typename T>
struct NormalizeOp {
  T mean, rstd;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V s, V g, V b) const {
    return hn::MulAdd(hn::Mul(hn::Sub(s, hn::Set(d, mean)), hn::Set(d, rstd)), g, b);
  }
};

template <typename T>
void LayerNormRowImpl(const T* x, const T* r, T* sum_out, const T* gamma, const T* beta,
                      double eps, T* y, int64_t n) {
  const hn::ScalableTag<T> d;
  const T* s = x;
  if (r) {
    Run(d, AddOp(), sum_out, n, x, r);
    s = sum_out;
  } else if (sum_out && sum_out != x) {
    std::memmove(sum_out, x, static_cast<size_t>(n) * sizeof(T));
  }
  if (n == 0) return;
  const T mean = static_cast<T>(RowSum(d, s, n, T{0}, false) / static_cast<double>(n));
  const double var = RowSum(d, s, n, mean, true) / static_cast<double>(n);
  const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
  Run(d, NormalizeOp<T>{mean, rstd}, y, n, s, gamma, beta);
}

// e^(scale·x - max) for a row whose max is finite and which holds no NaN or +inf, so the
// argument is <= 0 or -inf. float32 on AVX-512: Exp2Avx3 of a·log2 e with the product split
// exactly (y + c, c from an FMA: its rounding does not grow with |a|; 2.7e-6 relative in all);
// a is first raised to -160 (e^-160 is 0 in float32), which also turns -inf into 0 without a
// NaN from the split.
// Elsewhere Highway's 1-ULP Exp.
template <typename T>
struct ShiftedExpOp {
  T scale, max;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V x) const {
    const V a = hn::Sub(hn::Mul(x, hn::Set(d, scale)), hn::Set(d, max));
#if HWY_TARGET == HWY_AVX3
    if constexpr (sizeof(T) == 4) {
      const V ac = hn::Max(a, hn::Set(d, -160.0f));
      const V hi = hn::Set(d, 1.44269502162933349609375f);  // log2 e to 24 bits
      const V lo = hn::Set(d, 1.925963033500011079e-8f);    // the rest of log2 e
      const V y = hn::Mul(ac, hi);
      return Exp2Avx3(d, y, hn::MulAdd(ac, lo, hn::MulSub(ac, hi, y)));
    }
#endif
    return hn::Exp(d, a);
  }
};

// y[i] = e^(scale·x[i] - max) for i < n, and Σ y[i] in a fixed lane order (one pass).
template <class D>
HWY_INLINE double ShiftedExpSum(D d, const hn::TFromD<D>* x, hn::TFromD<D>* y, int64_t n,
                                hn::TFromD<D> scale, hn::TFromD<D> max) {
  using T = hn::TFromD<D>;
  const ShiftedExpOp<T> op{scale, max};
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  auto acc0 = hn::Zero(d), acc1 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto e0 = op(d, hn::LoadU(d, x + i)), e1 = op(d, hn::LoadU(d, x + i + lanes));
    hn::StoreU(e0, d, y + i);
    hn::StoreU(e1, d, y + i + lanes);
    acc0 = hn::Add(acc0, e0);
    acc1 = hn::Add(acc1, e1);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto e = op(d, hn::LoadU(d, x + i));
    hn::StoreU(e, d, y + i);
    acc0 = hn::Add(acc0, e);
  }
  if (i < n) {
    HWY_ALIGN T buf[HWY_LANES(T)] = {};
    std::copy_n(x + i, n - i, buf);
    const auto e = hn::IfThenElseZero(hn::FirstN(d, static_cast<size_t>(n - i)),
                                      op(d, hn::Load(d, buf)));
    hn::Store(e, d, buf);
    std::copy_n(buf, n - i, y + i);
    acc1 = hn::Add(acc1, e);
  }
  return static_cast<double>(hn::GetLane(hn::SumOfLanes(d, hn::Add(acc0, acc1))));
}

template <typename T>
void SoftmaxRowImpl(const T* x, T* y, int64_t n, int64_t valid, double scale_d) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const T scale = static_cast<T>(scale_d);
  const V vs = hn::Set(d, scale);
  const T kInf = std::numeric_limits<T>::infinity();
  std::fill(y + valid, y + n, T{0});
  if (valid == 0) return;

  // Pass 1: the maximum of scale·x, and whether any is NaN (Max may drop NaN on x86).
  V vmax = hn::Set(d, -kInf);
  auto nan = hn::FirstN(d, 0);
  int64_t i = 0;
  for (; i + lanes <= valid; i += lanes) {
    const V v = hn::Mul(hn::LoadU(d, x + i), vs);
    vmax = hn::Max(vmax, v);
    nan = hn::Or(nan, hn::IsNaN(v));
  }
  if (i < valid) {
    HWY_ALIGN T buf[HWY_LANES(T)];
    std::fill_n(buf, lanes, -kInf);
    std::copy_n(x + i, valid - i, buf);
    const V v = hn::Mul(hn::Load(d, buf), vs);
    vmax = hn::Max(vmax, v);
    nan = hn::Or(nan, hn::IsNaN(v));
  }
  const T max = hn::GetLane(hn::MaxOfLanes(d, vmax));
  if (!hn::AllFalse(d, nan) || max == kInf) {
    std::fill(y, y + valid, std::numeric_limits<T>::quiet_NaN());
    return;
  }
  if (max == -kInf) {
    std::fill(y, y + valid, T{0});
    return;
  }
  // Pass 2: e = exp(scale·x - max) into y, and its sum.
  const double sum = ShiftedExpSum(d, x, y, valid, scale, max);
  // Pass 3: normalize.
  Run(d, MulConstOp<T>{static_cast<T>(1.0 / sum)}, y, valid, y);
}

}  // namespace

// Non-template entry points: HWY_EXPORT needs one name per function.
void ActivationF32(int act, const float* x, const float* bias, float* y, int64_t n) {
  ActivationImpl(act, x, bias, y, n);
}
void ActivationF64(int act, const double* x, const double* bias, double* y, int64_t n) {
  ActivationImpl(act, x, bias, y, n);
}
void StepF32(int step, float c, const float* v, const float* x, float* y, int64_t n) {
  StepImpl(step, c, v, x, y, n);
}
void StepF64(int step, double c, const double* v, const double* x, double* y, int64_t n) {
  StepImpl(step, c, v, x, y, n);
}
void ArithF32(int op, const float* a, const float* b, const float* c, float* y, int64_t n) {
  ArithImpl(op, a, b, c, y, n);
}
void ArithF64(int op, const double* a, const double* b, const double* c, double* y, int64_t n) {
  ArithImpl(op, a, b, c, y, n);
}
void LayerNormRowF32(const float* x, const float* r, float* s, const float* g, const float* b,
                     double eps, float* y, int64_t n) {
  LayerNormRowImpl(x, r, s, g, b, eps, y, n);
}
void LayerNormRowF64(const double* x, const double* r, double* s, const double* g,
                     const double* b, double eps, double* y, int64_t n) {
  LayerNormRowImpl(x, r, s, g, b, eps, y, n);
}
double RowSumF32(const float* p, int64_t n, float center, bool squares) {
  return RowSum(hn::ScalableTag<float>(), p, n, center, squares);
}
double RowSumF64(const double* p, int64_t n, double center, bool squares) {
  return RowSum(hn::ScalableTag<double>(), p, n, center, squares);
}
void SoftmaxRowF32(const float* x, float* y, int64_t n, int64_t valid, double scale) {
  SoftmaxRowImpl(x, y, n, valid, scale);
}
void SoftmaxRowF64(const double* x, double* y, int64_t n, int64_t valid, double scale) {
  SoftmaxRowImpl(x, y, n, valid, scale);
}

}  // namespace tinyaccel::elementwise::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tinyaccel::elementwise {

HWY_EXPORT(ActivationF32);
HWY_EXPORT(ActivationF64);
HWY_EXPORT(StepF32);
HWY_EXPORT(StepF64);
HWY_EXPORT(ArithF32);
HWY_EXPORT(ArithF64);
HWY_EXPORT(LayerNormRowF32);
HWY_EXPORT(LayerNormRowF64);
HWY_EXPORT(SoftmaxRowF32);
HWY_EXPORT(SoftmaxRowF64);
HWY_EXPORT(RowSumF32);
HWY_EXPORT(RowSumF64);

namespace {

// Position of a target's entry in an HWY_EXPORT table: entry 0 is Highway's own chooser, then
// one entry per dynamic target (HWY_CHOSEN_TARGET_SHIFT order), the fallback (EMU128) last.
size_t table_index(int64_t target) {
  if (target == HWY_EMU128 || target == HWY_SCALAR) return HWY_MAX_DYNAMIC_TARGETS + 1;
  return hwy::Num0BitsBelowLS1Bit_Nonzero64(
      static_cast<uint64_t>(HWY_CHOSEN_TARGET_SHIFT(target)));
}

int64_t target_of(Isa isa) {
  switch (isa) {
    case Isa::avx512: return HWY_AVX3;
    case Isa::avx2: return HWY_AVX2;
    // EMU128 where the compiler builds it correctly, else (GCC < 13) the one-lane HWY_SCALAR.
    default: return HWY_BASELINE_SCALAR;
  }
}

template <typename T>
Kernels<T> make_kernels(Isa isa) {
  for (int tier = static_cast<int>(isa); tier >= 0; --tier) {
    const int64_t target = target_of(static_cast<Isa>(tier));
    if ((HWY_TARGETS & target) == 0) continue;
    const size_t i = table_index(target);
    Kernels<T> k{};
    if constexpr (sizeof(T) == 4) {
      k = {HWY_DISPATCH_TABLE(ActivationF32)[i], HWY_DISPATCH_TABLE(StepF32)[i],
           HWY_DISPATCH_TABLE(ArithF32)[i], HWY_DISPATCH_TABLE(LayerNormRowF32)[i],
           HWY_DISPATCH_TABLE(SoftmaxRowF32)[i], HWY_DISPATCH_TABLE(RowSumF32)[i],
           hwy::TargetName(target)};
    } else {
      k = {HWY_DISPATCH_TABLE(ActivationF64)[i], HWY_DISPATCH_TABLE(StepF64)[i],
           HWY_DISPATCH_TABLE(ArithF64)[i], HWY_DISPATCH_TABLE(LayerNormRowF64)[i],
           HWY_DISPATCH_TABLE(SoftmaxRowF64)[i], HWY_DISPATCH_TABLE(RowSumF64)[i],
           hwy::TargetName(target)};
    }
    if (k.activation && k.step && k.arith && k.layernorm_row && k.softmax_row && k.row_sum) {
      return k;
    }
  }
  // HWY_BASELINE_SCALAR is always compiled, so the loop above returns; reaching here means the
  // build lost every Highway target.
  throw ValueError("element-wise kernels: no Highway target was compiled into this build; "
                   "rebuild it with at least HWY_BASELINE_SCALAR");
}

}  // namespace

template <typename T>
const Kernels<T>& kernels_for(Isa isa) {
  static const Kernels<T> table[3] = {make_kernels<T>(Isa::scalar), make_kernels<T>(Isa::avx2),
                                      make_kernels<T>(Isa::avx512)};
  return table[std::clamp(static_cast<int>(isa), 0, 2)];
}

template const Kernels<float>& kernels_for<float>(Isa);
template const Kernels<double>& kernels_for<double>(Isa);

}  // namespace tinyaccel::elementwise
#endif  // HWY_ONCE
