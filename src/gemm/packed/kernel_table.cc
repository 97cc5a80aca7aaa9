#include "gemm/packed/kernel_table.hpp"

#include <algorithm>

namespace tinyaccel::gemm {

template <>
const GemmConfig<float>& gemm_config<float>(Isa isa);

namespace {

// Block sizes for a family, from the caches one core sees (the loop order is in packed_gemm.cc:
// an A micro-panel is reused from L1 across the jr loop while the B micro-panels of the packed
// B block stream from L2).
//   KC: the A micro-panel MR·KC·s takes at most 3/4 of L1d, capped at 512 elements or 2 KiB
//       per row, whichever is more. The B micro-panels streaming past (KC·NR·s each) evict part
//       of it anyway, so a deeper panel costs little, while every extra pass over K loads and
//       stores the whole of C once more.
//       Zen 4, f32, MR=12: 32 KiB·3/4 / (12·4 B) = 512. Against half of L1 (KC = 336), in
//       alternating runs on 2 threads: 512³ 208 → 215 GFLOP/s, 1024³ 199 → 205, 2048³ 204 both;
//       with the driver's one-pass rule for K <= 1.5·KC, 512×768×3072 197 → 209.
//       The 2 KiB row cap is what lets 1-byte int8 run K = 2048 in one pass (48 KiB L1:
//       36 KiB / 12 rows = 3072 → 2048) and bfloat16 K = 1024.
//   NC: the packed B block KC·NC·s takes at most half of L2, so it stays resident while every
//       A micro-panel of the block sweeps it, with room for the A panels and C passing through.
//       Zen 4, f32: 1 MiB/2 / (512·4 B) = 256 (multiple of NR=32). The driver re-derives it
//       for the depth it actually uses.
//   A chunk: A rows the driver prepares (copies of rows whose stride aliases in L1 or that
//       are widened, packed panels of strided A) are prepared once per pass and read by every
//       column block from the copy; the copy lives in L3 (it is the size of the band), so it
//       takes at most half of one core's share of L3.
// Missing cache information falls back to 32 KiB / 512 KiB / 2 MiB of L3 per core.
int64_t l3_share_bytes() {
  for (const CacheLevel& c : cache_hierarchy()) {
    if (c.level == 3 && c.size_bytes > 0) return c.size_bytes / std::max(1, c.shared_by);
  }
  return int64_t{2} << 20;
}

Blocking derive(int mr, int nr, int group, int a_bytes, int b_bytes) {
  const int64_t l1 = cache_size_bytes(1) > 0 ? cache_size_bytes(1) : 32 << 10;
  const int64_t l2 = cache_size_bytes(2) > 0 ? cache_size_bytes(2) : 512 << 10;
  Blocking b;
  b.mr = mr;
  b.nr = nr;
  b.group = group;
  b.a_bytes = a_bytes;
  b.b_bytes = b_bytes;
  b.l2_bytes = l2;
  b.a_chunk_bytes = l3_share_bytes() / 2;
  const int64_t cap = std::max<int64_t>(512, 2048 / a_bytes);
  b.kc = std::clamp<int64_t>(l1 * 3 / 4 / (mr * a_bytes) / 16 * 16, 64, cap);
  b.nc = b.nc_for(b.kc);
  return b;
}

template <typename T>
GemmConfig<T> derive(Isa isa, const UkernelFamily<T>& family) {
  GemmConfig<T> config;
  static_cast<Blocking&>(config) = derive(family.mr, family.nr, 1, sizeof(T), sizeof(T));
  config.isa = isa;
  config.family = &family;
  return config;
}

// The packers of a low-precision family on tier `isa` (see Blocking::packers).
template <typename Family>
PanelPackers packers_for(Isa isa, const Family& family) {
  PanelPackers p;
  p.rows = family.pack_b_rows;
  const UkernelFamily<float>& f32 = *gemm_config<float>(isa).family;
  if (family.group * family.b_bytes == 4 && f32.nr == family.nr) p.transpose32 = f32.pack_b_columns;
  return p;
}

Bf16GemmConfig derive_bf16(Isa isa, const Bf16Family* native, const UkernelFamily<float>* wide) {
  Bf16GemmConfig config;
  if (native != nullptr) {
    static_cast<Blocking&>(config) =
        derive(native->mr, native->nr, native->group, native->a_bytes, native->b_bytes);
    config.packers = packers_for(isa, *native);
    config.a_in_place = true;
  } else {
    static_cast<Blocking&>(config) = derive(wide->mr, wide->nr, 1, 4, 4);
  }
  config.isa = isa;
  config.native = native;
  config.widened = wide;
  return config;
}

QGemmConfig derive_q(Isa isa, const QGemmFamily& family) {
  QGemmConfig config;
  static_cast<Blocking&>(config) =
      derive(family.mr, family.nr, family.group, family.a_bytes, family.b_bytes);
  config.packers = packers_for(isa, family);
  config.isa = isa;
  config.family = &family;
  return config;
}

// The entries below the detected tier's best: what each tier's extensions allow here.
bool has_avx512_bf16() { return detected_isa() >= Isa::avx512 && cpu_features().avx512_bf16; }
bool has_avx512_vnni() { return detected_isa() >= Isa::avx512 && cpu_features().avx512_vnni; }
bool has_avx_vnni() { return detected_isa() >= Isa::avx2 && cpu_features().avx_vnni; }

// Widened bfloat16 on each tier's float32 family.
const Bf16GemmConfig& widened_bf16(Isa isa) {
  switch (isa) {
    case Isa::avx512: {
      static const Bf16GemmConfig config =
          derive_bf16(isa, nullptr, gemm_config<float>(isa).family);
      return config;
    }
    case Isa::avx2: {
      static const Bf16GemmConfig config =
          derive_bf16(isa, nullptr, gemm_config<float>(isa).family);
      return config;
    }
    default: {
      static const Bf16GemmConfig config =
          derive_bf16(Isa::scalar, nullptr, gemm_config<float>(Isa::scalar).family);
      return config;
    }
  }
}

std::string blocks(const Blocking& b) {
  return " (MR=" + std::to_string(b.mr) + ", NR=" + std::to_string(b.nr) +
         ", KC=" + std::to_string(b.kc) + ", NC=" + std::to_string(b.nc) + ")";
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

const Bf16GemmConfig& bf16_gemm_config(Isa isa) {
  if (isa == Isa::avx512 && has_avx512_bf16()) {
    static const Bf16GemmConfig config =
        derive_bf16(isa, &bf16_gemm_12x32_avx512bf16(), nullptr);
    return config;
  }
  return widened_bf16(isa);
}

const QGemmConfig& qgemm_config(Isa isa) {
  if (isa == Isa::avx512 && has_avx512_vnni()) {
    static const QGemmConfig config = derive_q(isa, qs8_gemm_12x32_avx512vnni());
    return config;
  }
  if (isa >= Isa::avx2 && has_avx_vnni()) {
    static const QGemmConfig config = derive_q(Isa::avx2, qs8_gemm_6x16_avxvnni());
    return config;
  }
  if (isa >= Isa::avx2) {
    static const QGemmConfig config = derive_q(Isa::avx2, qs8_gemm_6x16_avx2());
    return config;
  }
  static const QGemmConfig config = derive_q(Isa::scalar, qs8_gemm_4x4_scalar());
  return config;
}

template <typename T>
std::vector<const GemmConfig<T>*> runnable_gemm_configs() {
  std::vector<const GemmConfig<T>*> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) {
    out.push_back(&gemm_config<T>(static_cast<Isa>(i)));
  }
  return out;
}

template std::vector<const GemmConfig<float>*> runnable_gemm_configs<float>();
template std::vector<const GemmConfig<double>*> runnable_gemm_configs<double>();

std::vector<TableFamily> table_families() {
  const bool avx2 = detected_isa() >= Isa::avx2, avx512 = detected_isa() >= Isa::avx512;
  const auto need = [](bool have, const char* feature) { return std::string(have ? "" : feature); };
  return {
      {"f32_gemm_4x4_scalar", ""},
      {"f32_gemm_6x16_avx2", need(avx2, "AVX2+FMA")},
      {"f32_gemm_12x32_avx512", need(avx512, "AVX-512F/BW/DQ/VL")},
      {"f64_gemm_4x4_scalar", ""},
      {"f64_gemm_6x8_avx2", need(avx2, "AVX2+FMA")},
      {"f64_gemm_12x16_avx512", need(avx512, "AVX-512F/BW/DQ/VL")},
      {"bf16_gemm_12x32_avx512bf16",
       need(has_avx512_bf16(), avx512 ? "AVX512_BF16" : "AVX-512F/BW/DQ/VL and AVX512_BF16")},
      {"qs8_gemm_4x4_scalar", ""},
      {"qs8_gemm_6x16_avx2", need(avx2, "AVX2+FMA")},
      {"qs8_gemm_6x16_avxvnni", need(has_avx_vnni(), avx2 ? "AVX-VNNI" : "AVX2 and AVX-VNNI")},
      {"qs8_gemm_12x32_avx512vnni",
       need(has_avx512_vnni(), avx512 ? "AVX512_VNNI" : "AVX-512F/BW/DQ/VL and AVX512_VNNI")},
  };
}

std::vector<const Bf16GemmConfig*> runnable_bf16_configs() {
  std::vector<const Bf16GemmConfig*> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) {
    out.push_back(&widened_bf16(static_cast<Isa>(i)));
  }
  if (has_avx512_bf16()) out.push_back(&bf16_gemm_config(Isa::avx512));
  return out;
}

std::vector<const QGemmConfig*> runnable_qgemm_configs() {
  std::vector<const QGemmConfig*> out = {&qgemm_config(Isa::scalar)};
  if (detected_isa() >= Isa::avx2) {
    static const QGemmConfig avx2 = derive_q(Isa::avx2, qs8_gemm_6x16_avx2());
    out.push_back(&avx2);
  }
  if (has_avx_vnni()) out.push_back(&qgemm_config(Isa::avx2));
  if (has_avx512_vnni()) out.push_back(&qgemm_config(Isa::avx512));
  return out;
}

template <typename T>
std::string describe_config(const GemmConfig<T>& config) {
  return config.family->name + blocks(config);
}

template std::string describe_config<float>(const GemmConfig<float>&);
template std::string describe_config<double>(const GemmConfig<double>&);

std::string describe_config(const Bf16GemmConfig& config) {
  if (config.native) return config.native->name + blocks(config);
  return std::string(config.widened->name) + " on bfloat16 widened while packing" +
         blocks(config);
}

std::string describe_config(const QGemmConfig& config) {
  return config.family->name + blocks(config);
}

}  // namespace tinyaccel::gemm
