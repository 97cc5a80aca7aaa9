// Uses the installed library through its public header only; exits non-zero on a wrong result.
#include <cstdio>
#include <string>

#include <tinyaccel/tinyaccel.hpp>

int main() {
  using namespace tinyaccel;
  const Tensor a = randn({37, 53}, 1), b = randn({53, 29}, 2);
  const Tensor fast = vectorized_matmul(a, b);
  const Tensor ref = naive_matmul(a.to(DType::f64), b.to(DType::f64));
  if (!allclose(fast, ref, 1e-4, 1e-4)) {
    std::fprintf(stderr, "consumer: vectorized_matmul disagrees with the reference\n");
    return 1;
  }
  // The library's errors cross the shared-library boundary as their own types.
  try {
    matmul(a, a);
    std::fprintf(stderr, "consumer: a shape mismatch was not reported\n");
    return 1;
  } catch (const ShapeError& e) {
    const Error& base = e;
    if (std::string(base.what()).find("(37,53) @ (37,53)") == std::string::npos) return 1;
  }
  std::printf("consumer: find_package(tinyaccel) works; (37,53)@(53,29) matches the reference\n");
  return 0;
}
