// bfloat16 × bfloat16 → float32, 12 rows × 32 columns (2 zmm of 16 float32 lanes), AVX512_BF16.
// One vdpbf16ps per k pair and register: lane j gains a[2p]·b[2p][j] + a[2p+1]·b[2p+1][j].
// Register budget (32 zmm): 12×2 = 24 accumulators + 2 B registers + 1 broadcast A pair.
// Two dot-product pipes × a multi-cycle latency ⇒ many independent chains: 24 of them, each k
// pair issuing 2 B loads and 12 A broadcasts for 24 vdpbf16ps (64 FLOPs each).
//
// The instruction's arithmetic, which this family's results follow instead of per-product FMAs
// (Intel SDM, VDPBF16PS; the same on Zen 5): each product of two bfloat16 is exact in float32
// and is added to the accumulator with its own round-to-nearest-even (odd element first), input
// and accumulator denormals are treated as zero and denormal results flushed to zero (DAZ/FTZ
// regardless of MXCSR). NaN and Inf propagate. The sum order per lane is fixed (pairs in k order), so results are deterministic
// and the same for every thread count.
#include <immintrin.h>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx512Bf16 {
  using AElem = BFloat16;
  using BElem = BFloat16;
  using Acc = __m512;
  using Vec = __m512bh;
  static constexpr int kGroup = 2, kLanes = 16;
  static Acc zero() { return _mm512_setzero_ps(); }
  static Vec load_b(const BElem* p) { return (__m512bh)_mm512_loadu_si512(p); }
  static Vec bcast_a(const AElem* p) {
    return (__m512bh)_mm512_set1_epi32(static_cast<int>(group_bits(p)));
  }
  static Vec bcast_a_part(const AElem* p, int n) {
    return (__m512bh)_mm512_set1_epi32(static_cast<int>(group_bits_part(p, n)));
  }
  static Acc dot(Acc acc, Vec a, Vec b) { return _mm512_dpbf16_ps(acc, a, b); }
  static Acc set1(float x) { return _mm512_set1_ps(x); }
  static Acc add(Acc a, Acc b) { return _mm512_add_ps(a, b); }
  static Acc mul(Acc a, Acc b) { return _mm512_mul_ps(a, b); }
  static Acc fmadd(Acc a, Acc b, Acc c) { return _mm512_fmadd_ps(a, b, c); }
  static Acc load_c(const float* p) { return _mm512_loadu_ps(p); }
  static void store_c(float* p, Acc r) { _mm512_storeu_ps(p, r); }
};

// PackBPanel for a row-major B: rows 2s and 2s+1 (32 columns each, one zmm) interleaved into
// the panel's k pairs by two two-source word permutes; columns past `cols` and a missing last
// row load as zeros.
void pack_b_rows(const void* src, int64_t ld, int64_t kc, int64_t cols, void* dst) {
  const auto* b = static_cast<const uint16_t*>(src);
  auto* out = static_cast<uint16_t*>(dst);
  const __mmask32 mask = cols >= 32 ? ~__mmask32{0} : (__mmask32{1} << cols) - 1;
  alignas(64) uint16_t low[32], high[32];  // pair i: word i of row 2s, then of row 2s+1
  for (int i = 0; i < 16; ++i) {
    low[2 * i] = static_cast<uint16_t>(i), low[2 * i + 1] = static_cast<uint16_t>(32 + i);
    high[2 * i] = static_cast<uint16_t>(16 + i), high[2 * i + 1] = static_cast<uint16_t>(48 + i);
  }
  const __m512i lo = _mm512_load_si512(low), hi = _mm512_load_si512(high);
  for (int64_t p = 0; p < kc; p += 2, out += 64) {
    const __m512i r0 = _mm512_maskz_loadu_epi16(mask, b + p * ld);
    const __m512i r1 = p + 1 < kc ? _mm512_maskz_loadu_epi16(mask, b + (p + 1) * ld)
                                  : _mm512_setzero_si512();
    _mm512_storeu_si512(out, _mm512_permutex2var_epi16(r0, lo, r1));
    _mm512_storeu_si512(out + 32, _mm512_permutex2var_epi16(r0, hi, r1));
  }
}

Bf16Family make() {
  Bf16Family family = make_lowp_family<Avx512Bf16, 12, 2>("bf16_gemm_12x32_avx512bf16");
  family.pack_b_rows = &pack_b_rows;
  return family;
}

}  // namespace

const Bf16Family& bf16_gemm_12x32_avx512bf16() {
  static const Bf16Family family = make();
  return family;
}

}  // namespace tinyaccel::gemm
