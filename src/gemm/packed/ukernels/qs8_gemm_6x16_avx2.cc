// uint8 × int8 → int32, 6 rows × 16 columns (2 ymm of 8 int32 lanes), AVX2, exact.
// vpmaddubsw would multiply the bytes directly but adds each pair into a saturating int16:
// 255·127 + 255·127 = 64770 > 32767. So both operands are widened to int16 when they are
// prepared (A rows copied as int16, B packed as int16 k pairs) and vpmaddwd adds each pair of
// int16 products into an int32 lane: |a·b + a'·b'| <= 2·255·128 = 65280, exact, then vpaddd.
// Register budget (16 ymm): 12 accumulators + 2 B registers + 1 broadcast A pair + 1 product.
#include "gemm/packed/ukernels/int32_ymm_ops.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx2Widened : Int32Ymm {
  using AElem = int16_t;
  using BElem = int16_t;
  static constexpr int kGroup = 2;
  static Acc dot(Acc acc, Vec a, Vec b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
};

}  // namespace

const QGemmFamily& qs8_gemm_6x16_avx2() {
  static const QGemmFamily family = make_lowp_family<Avx2Widened, 6, 2>("qs8_gemm_6x16_avx2");
  return family;
}

}  // namespace tinyaccel::gemm
