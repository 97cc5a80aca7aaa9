// Activations shared by the element-wise engine and the GEMM epilogue.
#pragma once

#include <string>

#pragma GCC visibility push(default)
namespace tinyaccel {

enum class Activation {
  none,
  relu,
  gelu,      // tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  gelu_erf,  // exact form: 0.5·x·(1 + erf(x/√2))
};

const char* activation_name(Activation act);  // "none", "relu", "gelu", "gelu_erf"
// Accepts activation_name() spellings; ValueError listing them otherwise.
Activation parse_activation(const std::string& name);

}  // namespace tinyaccel
#pragma GCC visibility pop
