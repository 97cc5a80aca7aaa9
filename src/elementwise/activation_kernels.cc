#include "elementwise/activation_kernels.hpp"

#include <string>

#include "elementwise/kernels.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel {

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::relu: return "relu";
    case Activation::gelu: return "gelu";
    case Activation::gelu_erf: return "gelu_erf";
    default: return "none";
  }
}

Activation parse_activation(const std::string& name) {
  for (Activation a : {Activation::none, Activation::relu, Activation::gelu, Activation::gelu_erf}) {
    if (name == activation_name(a)) return a;
  }
  throw ValueError("unknown activation " + quote(name) + ": expected none, relu, gelu or gelu_erf");
}

namespace elementwise {

// The element-wise engine's SIMD functors (kernels.cc) on the active tier: GELU to the accuracy
// contract of elementwise.hpp, ReLU with NaN propagated, bias added in the element type.
template <typename T>
void bias_activation_inplace(Activation act, T* x, const T* bias, int64_t n) {
  kernels<T>().activation(static_cast<int>(act), x, bias, x, n);
}

template void bias_activation_inplace<float>(Activation, float*, const float*, int64_t);
template void bias_activation_inplace<double>(Activation, double*, const double*, int64_t);

}  // namespace elementwise
}  // namespace tinyaccel
