// The element-wise kernel table: raw-array kernels for one instruction-set tier, filled once
// per tier from Highway's per-target dispatch tables (kernels.cc). This is the only place the
// element-wise code names an ISA; the front ends (ops.cc, unfused.cc) ask kernels<T>() for the
// active tier and never look further.
#pragma once

#include <cstdint>

#include "tinyaccel/activation.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::elementwise {

// One pass of an eager (unfused) chain: y = step(v, x; c) over n elements.
enum class Step : int {
  cube,     // v·v·v
  square,   // v·v
  mul_c,    // v·c
  add_c,    // v + c
  add_x,    // v + x
  mul_x,    // x·v, 0 where v == 0 (so the chain's limit at x = -inf is 0, not -inf·0 = NaN)
  tanh,     // tanh(v)   hwy Tanh: 4 ULP, valid over all finite inputs
  erf,      // erf(v)    float32: erfc fit (|err| < ~2e-7); float64: libm
  exp,      // e^v       hwy Exp: 1 ULP, e^v = 0 below -104 (float32) / -1000 (float64)
};

enum class Arith : int { add, mul, add_mul };  // a+b, a·b, (a+b)·c

template <typename T>
struct Kernels {
  // y[i] = act(x[i] + bias[i]) for i < n; bias may be nullptr; y may equal x.
  void (*activation)(int act, const T* x, const T* bias, T* y, int64_t n);
  void (*step)(int step, T c, const T* v, const T* x, T* y, int64_t n);
  // c is ignored unless op is add_mul.
  void (*arith)(int op, const T* a, const T* b, const T* c, T* y, int64_t n);
  // One row of n: s = x + r (r may be nullptr: s = x; sum_out may be nullptr unless r is set),
  // y = (s - mean)/sqrt(var + eps)·gamma + beta.
  void (*layernorm_row)(const T* x, const T* r, T* sum_out, const T* gamma, const T* beta,
                        double eps, T* y, int64_t n);
  // One row of n: softmax(scale·x[0:valid]) into y[0:valid], zeros in y[valid:n] (see
  // elementwise.hpp for the all-masked / NaN / +inf rules).
  void (*softmax_row)(const T* x, T* y, int64_t n, int64_t valid, double scale);
  // Σ p[i] (squares: Σ (p[i] - center)²) in a fixed lane order; the eager runner's reductions.
  double (*row_sum)(const T* p, int64_t n, T center, bool squares);
  const char* target;  // Highway target name, e.g. "AVX3"
};

// The kernels of a tier: avx512 → Highway AVX3, avx2 → AVX2, scalar → EMU128 (portable C++).
// A tier that this build did not compile falls back to the next lower one.
template <typename T>
const Kernels<T>& kernels_for(Isa isa);

// kernels_for(active_isa()): honours TINYACCEL_ISA and force_isa().
template <typename T>
const Kernels<T>& kernels() {
  return kernels_for<T>(active_isa());
}

}  // namespace tinyaccel::elementwise
