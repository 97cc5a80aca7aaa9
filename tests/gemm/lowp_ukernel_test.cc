// Every low-precision micro-kernel this machine runs, called directly (as XNNPACK's
// GemmMicrokernelTester does): each row count 1..MR, depths around the k group and the unroll,
// A rows ending exactly at their allocation (an over-read past kc is an out-of-bounds access
// the sanitizer build reports), every store mode (bfloat16: alpha/beta; int8: int32 partial
// sums stored, accumulated, dequantized).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/pack_lowp.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel::gemm {
namespace {

const int64_t kDepths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 67};

// rows × kc values at stride lda, the last row ending exactly where the buffer ends.
template <typename T>
std::unique_ptr<T[]> rows_buffer(int rows, int64_t kc, int64_t lda) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>((rows - 1) * lda + kc)]);
}

uint64_t next(uint64_t& s) {
  s = s * 6364136223846793005ull + 1442695040888963407ull;
  return s >> 33;
}

TEST(LowpUkernel, Bf16EveryRowCountDepthAndStoreMode) {
  int families = 0;
  for (const Bf16GemmConfig* cfg : runnable_bf16_configs()) {
    if (!cfg->native) continue;  // the widened path runs the float32 kernels, tested as such
    ++families;
    const Bf16Family& f = *cfg->native;
    uint64_t seed = 1;
    for (int64_t kc : kDepths) {
      const int64_t lda = kc + 3;
      // B: kc × NR values, small integers and halves so every sum is exact in float32.
      std::vector<BFloat16> b(static_cast<size_t>(kc * f.nr));
      for (auto& v : b) v = to_bfloat16(static_cast<float>(static_cast<int>(next(seed) % 9) - 4) * 0.5f);
      const int64_t kc_g = (kc + f.group - 1) / f.group * f.group;
      std::vector<BFloat16> packed(static_cast<size_t>(kc_g * f.nr));
      pack_b_grouped<BFloat16, BFloat16>({b.data(), kc, f.nr, f.nr, 1}, f.nr, f.group,
                                         packed.data(), cfg->packers);
      for (int rows = 1; rows <= f.mr; ++rows) {
        auto a = rows_buffer<BFloat16>(rows, kc, lda);
        for (int i = 0; i < rows; ++i) {
          for (int64_t p = 0; p < kc; ++p) {
            a[i * lda + p] = to_bfloat16(static_cast<float>(static_cast<int>(next(seed) % 7) - 3));
          }
        }
        for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, {2.0f, 0.0f}, {0.5f, -1.0f}}) {
          std::vector<float> c(static_cast<size_t>(rows * (f.nr + 5)));
          for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<float>(i % 11) - 5;
          const std::vector<float> c0 = c;
          f.kernels[rows](kc, a.get(), lda, packed.data(), c.data(), f.nr + 5, alpha, beta);
          for (int i = 0; i < rows; ++i) {
            for (int j = 0; j < f.nr + 5; ++j) {
              const size_t at = static_cast<size_t>(i * (f.nr + 5) + j);
              if (j >= f.nr) {
                ASSERT_EQ(c[at], c0[at]) << "wrote past NR";
                continue;
              }
              double sum = 0;
              for (int64_t p = 0; p < kc; ++p) {
                sum += static_cast<double>(to_float(a[i * lda + p])) * to_float(b[p * f.nr + j]);
              }
              const double want = alpha * sum + (beta != 0 ? beta * c0[at] : 0.0);
              ASSERT_EQ(c[at], static_cast<float>(want))
                  << f.name << " rows " << rows << " kc " << kc << " (" << i << "," << j << ")";
            }
          }
        }
      }
    }
  }
  if (families == 0) GTEST_SKIP() << "no native bfloat16 kernel runs here (AVX512_BF16 absent)";
}

TEST(LowpUkernel, QGemmEveryRowCountDepthAndPassMode) {
  for (const QGemmConfig* cfg : runnable_qgemm_configs()) {
    const QGemmFamily& f = *cfg->family;
    uint64_t seed = 7;
    for (int64_t kc : kDepths) {
      const int64_t lda = kc + 3;
      std::vector<int8_t> b(static_cast<size_t>(kc * f.nr));
      for (auto& v : b) v = static_cast<int8_t>(static_cast<int>(next(seed) % 256) - 128);
      const int64_t kc_g = (kc + f.group - 1) / f.group * f.group;
      std::vector<char> packed(static_cast<size_t>(kc_g * f.nr * f.b_bytes));
      const MatrixRef<const int8_t> bm{b.data(), kc, f.nr, f.nr, 1};
      if (f.b_bytes == 1) {
        pack_b_grouped(bm, f.nr, f.group, reinterpret_cast<int8_t*>(packed.data()),
                       cfg->packers);
      } else {
        pack_b_grouped(bm, f.nr, f.group, reinterpret_cast<int16_t*>(packed.data()),
                       cfg->packers);
      }
      std::vector<int32_t> comp(f.nr);
      std::vector<float> col_scale(f.nr), row_scale(f.mr);
      for (int j = 0; j < f.nr; ++j) {
        comp[j] = static_cast<int32_t>(next(seed) % 100000) - 50000;
        col_scale[j] = 0.001f * static_cast<float>(1 + next(seed) % 50);
      }
      for (int i = 0; i < f.mr; ++i) row_scale[i] = 0.01f * static_cast<float>(1 + next(seed) % 50);
      for (int rows = 1; rows <= f.mr; ++rows) {
        std::vector<uint8_t> a_codes(static_cast<size_t>(rows * kc));
        for (auto& v : a_codes) v = static_cast<uint8_t>(next(seed) % 256);
        auto a8 = rows_buffer<uint8_t>(rows, kc, lda);
        auto a16 = rows_buffer<int16_t>(rows, kc_g, lda + 1);  // widened rows are padded
        for (int i = 0; i < rows; ++i) {
          for (int64_t p = 0; p < kc_g; ++p) {
            if (p < kc) a8[i * lda + p] = a_codes[i * kc + p];
            a16[i * (lda + 1) + p] = p < kc ? a_codes[i * kc + p] : 0;
          }
        }
        const void* a = f.a_bytes == 1 ? static_cast<const void*>(a8.get()) : a16.get();
        const int64_t a_ld = f.a_bytes == 1 ? lda : lda + 1;
        const int ldc = f.nr + 3;
        for (int mode = 0; mode < 4; ++mode) {  // bit 0: accumulate, bit 1: finish
          QTile t;
          t.accumulate = mode & 1;
          t.finish = mode & 2;
          t.comp = comp.data();
          t.col_scale = col_scale.data();
          t.row_scale = row_scale.data();
          std::vector<int32_t> c(static_cast<size_t>(rows * ldc));
          for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<int32_t>(i * 7919 % 20001) - 10000;
          const std::vector<int32_t> c0 = c;
          f.kernels[rows](kc, a, a_ld, packed.data(), c.data(), ldc, t);
          for (int i = 0; i < rows; ++i) {
            for (int j = 0; j < ldc; ++j) {
              const size_t at = static_cast<size_t>(i * ldc + j);
              if (j >= f.nr) {
                ASSERT_EQ(c[at], c0[at]) << "wrote past NR";
                continue;
              }
              int64_t sum = 0;
              for (int64_t p = 0; p < kc; ++p) sum += a_codes[i * kc + p] * int64_t{b[p * f.nr + j]};
              if (t.accumulate) sum += c0[at];
              int32_t got_bits = c[at];
              if (!t.finish) {
                ASSERT_EQ(got_bits, static_cast<int32_t>(sum))
                    << f.name << " rows " << rows << " kc " << kc << " mode " << mode;
                continue;
              }
              const float want = static_cast<float>(static_cast<int32_t>(sum + comp[j])) *
                                 (row_scale[i] * col_scale[j]);
              float got;
              std::memcpy(&got, &got_bits, 4);
              ASSERT_EQ(got, want) << f.name << " rows " << rows << " kc " << kc << " mode "
                                   << mode << " (" << i << "," << j << ")";
            }
          }
        }
      }
    }
  }
}

TEST(LowpUkernel, AvxVnniFamilyRunsWhereTheCpuHasIt) {
  if (!cpu_features().avx_vnni) {
    GTEST_SKIP() << "AVX-VNNI not reported by this CPU/OS: qs8_gemm_6x16_avxvnni cannot run here";
  }
  bool found = false;
  for (const QGemmConfig* cfg : runnable_qgemm_configs()) {
    found |= std::string(cfg->family->name) == "qs8_gemm_6x16_avxvnni";
  }
  EXPECT_TRUE(found) << "the QGemm tests above must have covered it";
}

}  // namespace
}  // namespace tinyaccel::gemm
