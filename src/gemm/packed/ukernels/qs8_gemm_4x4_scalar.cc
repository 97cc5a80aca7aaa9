// uint8 × int8 → int32, 4 rows × 4 columns, portable C++ for the baseline ISA: the kernel every
// machine can run. Same packed layout as the VNNI families (k quads), one column per "lane".
// Sums are kept in uint32 so that wrapping is defined; converted back to int32 they are the
// exact totals whenever those fit, as in the SIMD families.
#include <array>
#include <cstring>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct ScalarQs8 {
  using AElem = uint8_t;
  using BElem = int8_t;
  using Acc = uint32_t;
  using Vec = std::array<int32_t, 4>;  // one group: 4 k values of an A row or a B column
  using FVec = float;
  static constexpr bool kInt = true;
  static constexpr int kGroup = 4, kLanes = 1;
  static Acc zero() { return 0; }
  static Vec load_b(const BElem* p) { return {p[0], p[1], p[2], p[3]}; }
  static Vec bcast_a(const AElem* p) { return {p[0], p[1], p[2], p[3]}; }
  static Vec bcast_a_part(const AElem* p, int n) {
    Vec v{};
    for (int t = 0; t < n; ++t) v[t] = p[t];
    return v;
  }
  static Acc dot(Acc acc, const Vec& a, const Vec& b) {
    for (int t = 0; t < 4; ++t) acc += static_cast<uint32_t>(a[t] * b[t]);
    return acc;
  }
  static Acc load_i32(const void* p) {
    Acc v;
    std::memcpy(&v, p, 4);
    return v;
  }
  static void store_i32(void* p, Acc r) { std::memcpy(p, &r, 4); }
  static Acc add(Acc a, Acc b) { return a + b; }
  static FVec to_f32(Acc r) { return static_cast<float>(static_cast<int32_t>(r)); }
  static FVec load_f32(const float* p) { return *p; }
  static FVec set1_f32(float x) { return x; }
  static FVec mul_f32(FVec a, FVec b) { return a * b; }
  static void store_f32(void* p, FVec r) { std::memcpy(p, &r, 4); }
};

}  // namespace

const QGemmFamily& qs8_gemm_4x4_scalar() {
  static const QGemmFamily family = make_lowp_family<ScalarQs8, 4, 4>("qs8_gemm_4x4_scalar");
  return family;
}

}  // namespace tinyaccel::gemm
