#include "elementwise/activation_kernels.hpp"

#include <cmath>
#include <string>

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
  throw ValueError("unknown activation '" + name + "': expected none, relu, gelu or gelu_erf");
}

namespace elementwise {
namespace {

// Scalar reference forms, evaluated in double.
double act_scalar(Activation act, double x) {
  switch (act) {
    case Activation::relu: return x > 0 ? x : (x == x ? 0.0 : x);
    case Activation::gelu: {
      if (std::isinf(x)) return x > 0 ? x : 0.0;
      const double k = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    }
    case Activation::gelu_erf:
      if (std::isinf(x)) return x > 0 ? x : 0.0;
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    default: return x;
  }
}

}  // namespace

template <typename T>
void bias_activation_inplace(Activation act, T* x, const T* bias, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]) + (bias ? static_cast<double>(bias[i]) : 0.0);
    x[i] = static_cast<T>(act_scalar(act, v));
  }
}

template void bias_activation_inplace<float>(Activation, float*, const float*, int64_t);
template void bias_activation_inplace<double>(Activation, double*, const double*, int64_t);

}  // namespace elementwise
}  // namespace tinyaccel
