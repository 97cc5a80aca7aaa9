// Seeded fills with our own generator so a seed means the same values everywhere:
// splitmix64 expands the seed, xoshiro256** draws, Box–Muller turns uniforms into normals.
#include <cmath>
#include <numbers>
#include <string>

#include "core/dtype_dispatch.hpp"
#include "tinyaccel/tensor.hpp"

namespace tinyaccel {
namespace {

class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

template <typename Draw>
Tensor fill(const char* op, Shape shape, DType dtype, Draw draw) {
  if (!is_floating(dtype)) {
    throw DTypeError(std::string(op) + ": unsupported dtype " + dtype_name(dtype) +
                     " (float32, float64 or bfloat16)");
  }
  Tensor t = Tensor::empty(std::move(shape), dtype);
  visit_any_dtype(dtype, [&](auto z) {
    using T = decltype(z);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = convert_element<T>(draw());
  });
  return t;
}

}  // namespace

Tensor randn(Shape shape, uint64_t seed, DType dtype, double mean, double stddev) {
  Xoshiro256 rng(seed);
  bool have_spare = false;
  double spare = 0;
  return fill("randn", std::move(shape), dtype, [&] {
    if (have_spare) {
      have_spare = false;
      return mean + stddev * spare;
    }
    const double u1 = 1.0 - rng.uniform();  // (0, 1]: log is finite
    const double u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare = r * std::sin(2.0 * std::numbers::pi * u2);
    have_spare = true;
    return mean + stddev * r * std::cos(2.0 * std::numbers::pi * u2);
  });
}

Tensor rand(Shape shape, uint64_t seed, DType dtype, double low, double high) {
  Xoshiro256 rng(seed);
  return fill("rand", std::move(shape), dtype, [&] { return low + (high - low) * rng.uniform(); });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  if (a.shape() != b.shape()) return false;
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) {
    const double x = va[i], y = vb[i];
    if (std::isnan(x) || std::isnan(y)) {
      if (!(equal_nan && std::isnan(x) && std::isnan(y))) return false;
    } else if (std::isinf(x) || std::isinf(y)) {
      if (x != y) return false;
    } else if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) {
      return false;
    }
  }
  return true;
}

}  // namespace tinyaccel
