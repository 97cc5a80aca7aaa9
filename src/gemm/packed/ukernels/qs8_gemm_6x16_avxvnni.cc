// uint8 × int8 → int32, 6 rows × 16 columns (2 ymm of 8 int32 lanes), AVX-VNNI: the VEX form of
// vpdpbusd on CPUs whose VNNI is 256-bit only. Arithmetic as qs8_gemm_12x32_avx512vnni; the
// packed layouts are the same (k quads), only the register width differs.
// Register budget (16 ymm): 6×2 = 12 accumulators + 2 B registers + 1 broadcast A quad.
#include "gemm/packed/ukernels/int32_ymm_ops.hpp"

namespace tinyaccel::gemm {
namespace {

struct AvxVnni : Int32Ymm {
  using AElem = uint8_t;
  using BElem = int8_t;
  static constexpr int kGroup = 4;
  static Acc dot(Acc acc, Vec a, Vec b) { return _mm256_dpbusd_avx_epi32(acc, a, b); }
};

}  // namespace

const QGemmFamily& qs8_gemm_6x16_avxvnni() {
  static const QGemmFamily family = make_lowp_family<AvxVnni, 6, 2>("qs8_gemm_6x16_avxvnni");
  return family;
}

}  // namespace tinyaccel::gemm
