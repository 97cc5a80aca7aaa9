#include "gemm/packed/kernel_table.hpp"

#include <algorithm>

namespace tinyaccel::gemm {
namespace {

// Block sizes for a family, from the caches one core sees (the loop order is in packed_gemm.cc:
// an A micro-panel is reused from L1 across the jr loop while the B micro-panels of the packed
// B block stream from L2).
//   KC: the A micro-panel MR·KC·s takes at most 3/4 of L1d, capped at 512. The B micro-panels
//       streaming past (KC·NR·s each) evict part of it anyway, so a deeper panel costs little,
//       while every extra pass over K loads and stores the whole of C once more.
//       Zen 4, f32, MR=12: 32 KiB·3/4 / (12·4 B) = 512. Against half of L1 (KC = 336), in
//       alternating runs on 2 threads: 512³ 208 → 215 GFLOP/s, 1024³ 199 → 205, 2048³ 204 both;
//       with the driver's one-pass rule for K <= 1.5·KC, 512×768×3072 197 → 209.
//   NC: the packed B block KC·NC·s takes at most half of L2, so it stays resident while every
//       A micro-panel of the block sweeps it, with room for the A panels and C passing through.
//       Zen 4, f32: 1 MiB/2 / (512·4 B) = 256 (multiple of NR=32). The driver re-derives it
//       for the depth it actually uses.
// Missing cache information falls back to 32 KiB / 512 KiB.
template <typename T>
GemmConfig<T> derive(Isa isa, const UkernelFamily<T>& family) {
  const int64_t s = sizeof(T);
  const int64_t l1 = cache_size_bytes(1) > 0 ? cache_size_bytes(1) : 32 << 10;
  const int64_t l2 = cache_size_bytes(2) > 0 ? cache_size_bytes(2) : 512 << 10;
  GemmConfig<T> config;
  config.isa = isa;
  config.family = &family;
  config.l2_bytes = l2;
  config.kc = std::clamp<int64_t>(l1 * 3 / 4 / (family.mr * s) / 16 * 16, 64, 512);
  config.nc = config.nc_for(config.kc);
  return config;
}

}  // namespace

// Each entry is built on first use only: a family's getter runs code compiled for its ISA, so
// it must not be called on a machine (or under a cap) that cannot run it.
template <>
const GemmConfig<float>& gemm_config<float>(Isa isa) {
  switch (isa) {
    case Isa::avx512: {
      static const GemmConfig<float> config = derive(isa, f32_gemm_12x32_avx512());
      return config;
    }
    case Isa::avx2: {
      static const GemmConfig<float> config = derive(isa, f32_gemm_6x16_avx2());
      return config;
    }
    default: {
      static const GemmConfig<float> config = derive(Isa::scalar, f32_gemm_4x4_scalar());
      return config;
    }
  }
}

template <>
const GemmConfig<double>& gemm_config<double>(Isa isa) {
  switch (isa) {
    case Isa::avx512: {
      static const GemmConfig<double> config = derive(isa, f64_gemm_12x16_avx512());
      return config;
    }
    case Isa::avx2: {
      static const GemmConfig<double> config = derive(isa, f64_gemm_6x8_avx2());
      return config;
    }
    default: {
      static const GemmConfig<double> config = derive(Isa::scalar, f64_gemm_4x4_scalar());
      return config;
    }
  }
}

template <typename T>
std::string describe_config(const GemmConfig<T>& config) {
  return std::string(config.family->name) + " (MR=" + std::to_string(config.family->mr) +
         ", NR=" + std::to_string(config.family->nr) +
         ", KC=" + std::to_string(config.kc) + ", NC=" + std::to_string(config.nc) + ")";
}

template std::string describe_config<float>(const GemmConfig<float>&);
template std::string describe_config<double>(const GemmConfig<double>&);

}  // namespace tinyaccel::gemm
