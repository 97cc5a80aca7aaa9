// The element-wise ops, their unfused and naive twins and attention compute in float32/float64
// only: a bfloat16 or integer operand is a DTypeError naming the op and the dtype, never bytes
// read as floats or a silent conversion.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

void expect_rejected(const std::string& op, const std::function<void()>& f, DType dtype) {
  try {
    f();
    ADD_FAILURE() << op << " accepted " << dtype_name(dtype);
  } catch (const DTypeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(op), std::string::npos) << op << ": " << msg;
    EXPECT_NE(msg.find(dtype_name(dtype)), std::string::npos) << msg;
  }
}

TEST(DTypeRejection, ElementwiseAndAttentionRefuseStorageDTypes) {
  for (DType dt : {DType::bf16, DType::s8, DType::u8, DType::s32}) {
    const Tensor x({2, 4}, dt), f({2, 4}), v({4}, dt), fv({4});
    Tensor out({2, 4}), x_mut({2, 4}, dt);
    const std::vector<std::pair<std::string, std::function<void()>>> ops = {
        {"fused_gelu", [&] { fused_gelu(x); }},
        {"fused_gelu", [&] { fused_gelu(x, out); }},
        {"fused_gelu_", [&] { fused_gelu_(x_mut); }},
        {"gelu_erf", [&] { gelu_erf(x); }},
        {"gelu_erf_", [&] { gelu_erf_(x_mut); }},
        {"unfused_gelu", [&] { unfused_gelu(x); }},
        {"unfused_gelu_erf", [&] { unfused_gelu_erf(x); }},
        {"bias_gelu", [&] { bias_gelu(f, v); }},
        {"bias_gelu", [&] { bias_gelu(x, fv, out); }},
        {"unfused_bias_gelu", [&] { unfused_bias_gelu(x, fv); }},
        {"layernorm", [&] { layernorm(x, fv, fv); }},
        {"layernorm", [&] { layernorm(f, v, fv); }},
        {"unfused_layernorm", [&] { unfused_layernorm(x, fv, fv); }},
        {"add_layernorm", [&] { add_layernorm(f, x, fv, fv); }},
        {"unfused_add_layernorm", [&] { unfused_add_layernorm(x, f, fv, fv); }},
        {"softmax", [&] { softmax(x); }},
        {"unfused_softmax", [&] { unfused_softmax(x, 1.0, true); }},
        {"add", [&] { add(x, f); }},
        {"mul", [&] { mul(f, x); }},
        {"add_mul", [&] { add_mul(f, f, x); }},
        {"unfused_add_mul", [&] { unfused_add_mul(x, f, f); }},
        {"naive::gelu", [&] { naive::gelu(x); }},
        {"naive::gelu_erf", [&] { naive::gelu_erf(x); }},
        {"naive::bias_gelu", [&] { naive::bias_gelu(f, v); }},
        {"naive::layernorm", [&] { naive::layernorm(x, fv, fv); }},
        {"naive::add_layernorm", [&] { naive::add_layernorm(x, f, fv, fv); }},
        {"naive::softmax", [&] { naive::softmax(x); }},
        {"naive::add", [&] { naive::add(x, f); }},
        {"naive::mul", [&] { naive::mul(x, f); }},
        {"naive::add_mul", [&] { naive::add_mul(f, x, f); }},
        {"attention", [&] { attention(x, x, x); }},
        {"attention", [&] { attention_into(x, x, x, 1.0, false, out); }},
        {"naive::attention", [&] { naive::attention(x, x, x); }},
    };
    for (const auto& [op, f_op] : ops) expect_rejected(op, f_op, dt);
  }
}

}  // namespace
}  // namespace tinyaccel
