// Element-wise functors, written once over a Highway descriptor D and compiled for every target
// by foreach_target.h (AVX3 = our avx512 tier, AVX2, and EMU128 = the portable scalar tier).
// Each functor is `V operator()(D, V...)`: the SIMD form is D = ScalableTag<T> (one full
// vector); the runners in kernels.cc apply the same full-width form to head and tail elements
// through a padded buffer, so every element of a tensor goes through identical instructions and
// results do not depend on where a thread's range begins or ends.
//
// No -inl guard: included only by kernels.cc, once per target via the toggle below.
#if defined(TINYACCEL_ELEMENTWISE_FUNCTORS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TINYACCEL_ELEMENTWISE_FUNCTORS_INL_H_
#undef TINYACCEL_ELEMENTWISE_FUNCTORS_INL_H_
#else
#define TINYACCEL_ELEMENTWISE_FUNCTORS_INL_H_
#endif

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace tinyaccel::elementwise::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// √(2/π), and the tanh-GELU argument doubled: 2u = x·(kGeluA + kGeluB·x²).
inline constexpr double kSqrt2OverPi = 0.79788456080286535588;
inline constexpr double kGeluA = 2.0 * kSqrt2OverPi;
inline constexpr double kGeluB = 2.0 * kSqrt2OverPi * 0.044715;
// |x| beyond which both GELUs equal their limits to working precision: at x = 9,
// 1 - σ(2u) = e^-66.4 ≈ 1.4e-29 and 1 - Φ(9) ≈ 1.1e-19, below half an ULP of 1 in float64;
// for x <= -9 |GELU(x)| <= 1.3e-18, far below both absolute tolerances (1e-6, 1e-13).
// Clamping there also bounds x³ (no overflow for any finite x) and every exp argument.
inline constexpr double kGeluCut = 9.0;

// 1/a. float32: the hardware estimate (AVX-512 rcp14: rel. err < 2^-14; AVX2 rcpps:
// < 1.5·2^-12) refined by one Newton step, r' = r + r·(1 - a·r), rel. err <= ~2^-22
// (<= 2 ULP); valid for normal a whose reciprocal is normal. float64: IEEE division.
template <class D, class V>
HWY_INLINE V Reciprocal(D d, V a) {
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    const V r = hn::ApproximateReciprocal(a);
    return hn::MulAdd(r, hn::NegMulAdd(a, r, hn::Set(d, 1.0f)), r);
  } else {
    return hn::Div(hn::Set(d, 1.0), a);
  }
}

// e^t for float32 t in [-87, 88]: Highway's Exp (two-part ln2 reduction, degree-7 minimax
// polynomial, 1 ULP) without its underflow select and with the 2^q scale applied in one step,
// valid while q = round(t/ln2) stays in [-126, 127]. Callers guarantee the range.
// float64: hwy Exp (1 ULP, valid [-DBL_MAX, 706]).
template <class D, class V>
HWY_INLINE V ExpInRange(D d, V t) {
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    const hn::Rebind<int32_t, D> di;
    const auto q = hn::NearestInt(hn::Mul(t, hn::Set(d, 1.44269504088896341f)));
    const V qf = hn::ConvertTo(d, q);
    V r = hn::MulAdd(qf, hn::Set(d, -0.693145751953125f), t);
    r = hn::MulAdd(qf, hn::Set(d, -1.428606765330187045e-6f), r);
    const V r2 = hn::Mul(r, r);
    // Highway's ExpPoly: e^r - 1 ≈ r + r²·P(r), P by Estrin.
    const V p01 = hn::MulAdd(hn::Set(d, 0.166666671633720397949219f), r, hn::Set(d, 0.5f));
    const V p23 = hn::MulAdd(hn::Set(d, 0.00833336077630519866943359f), r,
                             hn::Set(d, 0.0416664853692054748535156f));
    const V p45 = hn::MulAdd(hn::Set(d, 0.000198527617612853646278381f), r,
                             hn::Set(d, 0.00139304355252534151077271f));
    const V r4 = hn::Mul(r2, r2);
    const V poly = hn::MulAdd(r4, p45, hn::MulAdd(r2, p23, p01));
    const V em1 = hn::MulAdd(poly, r2, r);
    const V scale = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(q, hn::Set(di, 127))));
    return hn::MulAdd(em1, scale, scale);
  } else {
    return hn::Exp(d, t);
  }
}

// 2^f for float32 |f| <= 1/2, relative error <= 2.7e-6 (+ rounding): a degree-4 minimax
// polynomial for relative error (Remez, 2.6e-6; coefficients rounded to float32, error
// re-checked at 2.7e-6). Five dependent FMAs instead of a 1-ULP exp's nine: the tanh-GELU
// contract is 1e-5 relative.
template <class D, class V>
HWY_INLINE V Exp2Fraction(D d, V f) {
  V p = hn::MulAdd(hn::Set(d, 0.009570102207362652f), f, hn::Set(d, 0.05591785907745361f));
  p = hn::MulAdd(p, f, hn::Set(d, 0.240247443318367f));
  p = hn::MulAdd(p, f, hn::Set(d, 0.6931217908859253f));
  return hn::MulAdd(p, f, hn::Set(d, 0.9999992847442627f));
}

#if HWY_TARGET == HWY_AVX3
// 2^(y + c) for float32 on AVX-512, c a small correction (|c| <= ~1e-5): vreduceps gives
// f = y - round(y) (±inf → 0), Exp2Fraction 2^(f + c), vscalefps the exact 2^round(y) for any
// value (2^+inf = inf, 2^-inf = 0, underflow to denormals and 0). No clamp needed.
template <class D, class V>
HWY_INLINE V Exp2Avx3(D d, V y, V c) {
  const V f{_mm512_reduce_ps(y.raw, _MM_FROUND_TO_NEAREST_INT)};
  return V{_mm512_scalef_ps(Exp2Fraction(d, hn::Add(f, c)).raw, hn::Sub(y, f).raw)};
}
#endif

// GELU, tanh form, through the identity 0.5·(1 + tanh(u)) = σ(2u) = 1/(1 + e^-2u):
//   gelu(x) = x / (1 + e^-2u), 2u = x·(kGeluA + kGeluB·x²).
// One exp and one division instead of tanh's expm1 and division, and no 1 + tanh(u)
// cancellation for negative x (the result keeps its relative accuracy down to the cut).
// float32: e^-2u = 2^z, z = -2u·log2(e) = n + f (n = round(z), |f| <= 1/2), 2^f by
// Exp2Fraction and 2^n exact. z carries <= ~3 ULP (constants, x², two roundings), which turns
// into a relative error of |z|·ln2·3·2^-24 in 2^z; plus 2.7e-6 (Exp2Fraction), and the result
// inherits at most that relative error times e/(1 + e) <= 1, plus 1 ULP (division). Where
// |gelu| >= 1e-3 (x > -3.2: |z| <= 31) that is <= 4e-6 relative; below it the 1e-6 absolute
// term dominates. float64: Highway's 1-ULP Exp and IEEE division.
// The sweep in tests/elementwise/gelu_accuracy_test.cc checks it against the float64 formula.
// Limits: +inf → +inf; x < -9 → 0 (so -inf → 0, never -inf / inf = NaN); NaN → NaN.
struct GeluTanh {
  // z = -2u·log2(e) = v·(a + b·v²), the float32 exp2 argument.
  template <class D, class V>
  static HWY_INLINE V Log2Argument(D d, V v) {
    constexpr double kLog2e = 1.44269504088896340736;
    return hn::Mul(v, hn::MulAdd(hn::Set(d, static_cast<float>(-kGeluB * kLog2e)), hn::Mul(v, v),
                                 hn::Set(d, static_cast<float>(-kGeluA * kLog2e))));
  }

  template <class D, class V>
  HWY_INLINE V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V neg_cut = hn::Set(d, static_cast<T>(-kGeluCut));
#if HWY_TARGET == HWY_AVX3
    if constexpr (sizeof(T) == 4) {
      // Without a clamp: Exp2Avx3 takes any z (2^+inf = inf, 2^-inf = 0), so huge |x| (x² = inf)
      // runs through to the limits x / 1 = x and x / inf = -0. Only -inf / inf needs the mask,
      // which the masked division applies for free (NaN compares "not less" and keeps its NaN).
      const V e = Exp2Avx3(d, Log2Argument(d, x), hn::Zero(d));
      const __mmask16 keep = _mm512_cmp_ps_mask(x.raw, neg_cut.raw, _CMP_NLT_UQ);
      return V{_mm512_maskz_div_ps(keep, x.raw, hn::Add(hn::Set(d, 1.0f), e).raw)};
    }
#endif
    // x clamped to ±kGeluCut for the argument: bounds x² and keeps 2^n representable.
    const V xc = hn::Min(hn::Max(x, neg_cut), hn::Neg(neg_cut));
    V e;
    if constexpr (sizeof(T) == 4) {
      // |z| <= 66.4·log2(e) = 95.8, so n + 127 is a valid biased exponent.
      const V z = Log2Argument(d, xc);
      const V n = hn::Round(z);
      const hn::Rebind<int32_t, D> di;
      const auto biased = hn::Add(hn::ConvertTo(di, n), hn::Set(di, 127));
      e = hn::Mul(Exp2Fraction(d, hn::Sub(z, n)), hn::BitCast(d, hn::ShiftLeft<23>(biased)));
    } else {
      e = hn::Exp(d, hn::Mul(xc, hn::MulAdd(hn::Set(d, -kGeluB), hn::Mul(xc, xc),
                                            hn::Set(d, -kGeluA))));
    }
    return hn::IfThenZeroElse(hn::Lt(x, neg_cut), hn::Div(x, hn::Add(hn::Set(d, T{1}), e)));
  }
};

// erfc(z) for float32 z in [0, 6.4]: Numerical Recipes' erfcc Chebyshev fit,
//   erfc(z) = t·exp(-z² - 1.26551223 + t·P(t)), t = 1/(1 + z/2),
// fractional error < 1.2e-7 everywhere in exact arithmetic; evaluated in float32 the exp
// argument's rounding adds a relative error of about (z² + 2)·2^-23 (5e-6 at z = 6.4, where
// erfc ≈ 1e-19 and only the absolute tolerance matters).
// kFastExp (GeluErf on AVX-512): e^a as Exp2Avx3(a·log2 e), as GeluTanh does, in place of the
// 1-ULP ExpInRange: relative error <= 2.7e-6 plus the rounding of a·log2 e (|a| <= 42:
// <= 2.6e-6, and only where erfc < 1e-15, far below the absolute tolerance), within GELU's 1e-5
// relative. The eager erf step keeps ExpInRange: its 1 - erfc would turn that relative error
// into an absolute one above its 2e-7.
template <bool kFastExp = false, class D, class V>
HWY_INLINE V ErfcNonNegative(D d, V z) {
  const V t = Reciprocal(d, hn::MulAdd(z, hn::Set(d, 0.5f), hn::Set(d, 1.0f)));
  V p = hn::Set(d, 0.17087277f);
  p = hn::MulAdd(p, t, hn::Set(d, -0.82215223f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.48851587f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.13520398f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.27886807f));
  p = hn::MulAdd(p, t, hn::Set(d, -0.18628806f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.09678418f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.37409196f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.00002368f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.26551223f));
  const V a = hn::NegMulAdd(z, z, p);
#if HWY_TARGET == HWY_AVX3
  if constexpr (kFastExp) {
    return hn::Mul(t, Exp2Avx3(d, hn::Mul(a, hn::Set(d, 1.44269504088896341f)), hn::Zero(d)));
  }
#endif
  return hn::Mul(t, ExpInRange(d, a));
}

// GELU, erf form, float32 only (float64 runs libm's erfc lane by lane: no SIMD erfc here
// meets 1e-13): gelu(x) = x·Φ(x), Φ(x) = h for x < 0 and 1 - h otherwise, h = erfc(|x|/√2)/2,
// so the negative side keeps erfc's relative accuracy (no 1 + erf cancellation).
// Limits as GeluTanh (|x| clamped to kGeluCut for the argument; x < -9 → 0).
struct GeluErf {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V x) const {
    static_assert(sizeof(hn::TFromD<D>) == 4, "float32 only");
    const V cut = hn::Set(d, static_cast<float>(kGeluCut));
    const V z = hn::Mul(hn::Min(hn::Abs(x), cut), hn::Set(d, 0.70710678118654752f));
    const V h = hn::Mul(hn::Set(d, 0.5f), ErfcNonNegative<true>(d, z));
    const V phi = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), h, hn::Sub(hn::Set(d, 1.0f), h));
    return hn::IfThenZeroElse(hn::Lt(x, hn::Neg(cut)), hn::Mul(x, phi));
  }
};

// max(x, 0) with NaN propagated (a plain Max may drop it on x86).
struct Relu {
  template <class D, class V>
  HWY_INLINE V operator()(D d, V x) const {
    return hn::IfThenZeroElse(hn::Lt(x, hn::Zero(d)), x);
  }
};

struct Identity {
  template <class D, class V>
  HWY_INLINE V operator()(D, V x) const {
    return x;
  }
};

// erf(z) for float32, via erfc of |z| (the eager erf GELU's erf pass); |z| clamped to 6.4
// where erf = ±1 in float32.
template <class D, class V>
HWY_INLINE V ErfF32(D d, V z) {
  const V az = hn::Min(hn::Abs(z), hn::Set(d, 6.4f));
  const V e = hn::Sub(hn::Set(d, 1.0f), ErfcNonNegative(d, az));
  // The clamp may turn NaN into 6.4 (x86 min returns its second operand on NaN): restore it.
  return hn::IfThenElse(hn::IsNaN(z), z, hn::CopySign(e, z));
}

}  // namespace tinyaccel::elementwise::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include toggle
