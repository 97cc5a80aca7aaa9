// The row and element-wise kernels split across threads (runner.hpp: a minimum of work per
// thread, contiguous ranges): every thread count gives the same bits, and inputs below two
// threads' minimum still come out right on many threads.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "elementwise_test_support.hpp"

namespace tinyaccel {
namespace {

using testing::IsaGuard;

TEST(ElementwiseThreads, SameBitsForEveryThreadCount) {
  // 300 × 2000: 600K elements, enough for 8 threads' minimum; 3 × 40: below one thread's.
  for (const Shape& s : {Shape{300, 2000}, Shape{3, 40}}) {
    const int64_t cols = s.back();
    const Tensor x = randn(s, 1), r = randn(s, 2), bias = randn({cols}, 3),
                 g = rand({cols}, 4, DType::f32, 0.5, 1.5), b = randn({cols}, 5);
    const std::vector<std::pair<std::string, std::function<Tensor()>>> ops = {
        {"gelu", [&] { return fused_gelu(x); }},
        {"bias_gelu", [&] { return bias_gelu(x, bias); }},
        {"layernorm", [&] { return layernorm(x, g, b); }},
        {"add_layernorm", [&] { return add_layernorm(x, r, g, b).normalized; }},
        {"softmax", [&] { return softmax(x, 0.5, false); }},
        {"add", [&] { return add(x, r); }},
    };
    for (const auto& [name, op] : ops) {
      std::vector<std::vector<double>> results;
      for (int threads : {1, 2, 3, 8}) {
        IsaGuard guard(detected_isa(), threads);
        results.push_back(op().to_vector());
      }
      for (size_t i = 1; i < results.size(); ++i) {
        EXPECT_EQ(results[0], results[i]) << name << " " << s[0] << "x" << cols << " #" << i;
      }
    }
  }
}

}  // namespace
}  // namespace tinyaccel
