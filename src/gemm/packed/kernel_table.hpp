// The kernel table: the one place that names an instruction set. For each dtype and ISA tier it
// holds the micro-kernel family and the cache block sizes derived for it. Looked up per call
// from active_isa() (an atomic load), so force_isa()/TINYACCEL_ISA take effect immediately.
//
// A tier means its register width plus the dot-product extensions of that width the CPU has:
//   bfloat16: avx512 with AVX512_BF16 → bf16_gemm_12x32_avx512bf16 (vdpbf16ps); any other tier
//             → that tier's float32 family on operands widened to float32 while packing.
//   int8:     avx512 with AVX512_VNNI → qs8_gemm_12x32_avx512vnni; avx2 and up with AVX-VNNI →
//             qs8_gemm_6x16_avxvnni; avx2 and up → qs8_gemm_6x16_avx2 (16-bit products, exact);
//             scalar → qs8_gemm_4x4_scalar.
// So TINYACCEL_ISA=avx2 on an AVX-512 machine runs the widening bfloat16 path and the 256-bit
// int8 kernels. AMX tiles would be one more entry per dtype here (a family whose kernels take
// whole packed blocks), selected on amx_bf16 / amx_int8 and the OS's tile permission.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gemm/packed/pack_lowp.hpp"
#include "gemm/packed/ukernel.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::gemm {

// Register tile and cache blocking of one family, in the driver's terms.
struct Blocking {
  int mr = 0, nr = 0;
  int group = 1;              // k values per packed B step
  int a_bytes = 0;            // bytes of a prepared A element
  int b_bytes = 0;            // bytes of a packed B element
  int64_t kc = 0;             // depth of one packed panel pass
  int64_t nc = 0;             // columns of the packed B block at depth KC (nc_for(kc))
  int64_t l2_bytes = 0;       // one core's L2, for the pack-or-not decision on B
  int64_t a_chunk_bytes = 0;  // prepared A rows a thread keeps for every column block of a pass
  // B packers for the low-precision families (pack_lowp.hpp): the family's row packer, and for
  // B = Wᵀ the float32 family of the same tier and NR when a k group is one 32-bit word.
  PanelPackers packers;

  // Columns of a packed B block `depth` deep: the block takes half of L2 (multiple of NR).
  int64_t nc_for(int64_t depth) const {
    const int64_t rows = (depth + group - 1) / group * group, block_bytes = l2_bytes / 2;
    return std::max<int64_t>(nr, block_bytes / (rows * b_bytes) / nr * nr);
  }
  // Rows of A prepared at once (a multiple of MR) when one prepared row takes row_bytes.
  int64_t a_chunk_rows(int64_t row_bytes) const {
    return std::max<int64_t>(1, a_chunk_bytes / (mr * row_bytes)) * mr;
  }
  // Bytes of one packed B micro-panel `depth` deep.
  int64_t b_panel_bytes(int64_t depth) const {
    return (depth + group - 1) / group * group * nr * b_bytes;
  }
};

template <typename T>
struct GemmConfig : Blocking {
  Isa isa = Isa::scalar;
  const UkernelFamily<T>* family = nullptr;
};

// bfloat16 × bfloat16 → float32: native dot products, or a float32 family on widened operands.
struct Bf16GemmConfig : Blocking {
  Isa isa = Isa::scalar;
  const Bf16Family* native = nullptr;
  const UkernelFamily<float>* widened = nullptr;
  bool a_in_place = false;  // A's bfloat16 rows are what the kernels read
};

// uint8 × int8 → int32 → float32.
struct QGemmConfig : Blocking {
  Isa isa = Isa::scalar;
  const QGemmFamily* family = nullptr;
};

// The configuration for `isa` (which the machine must be able to run).
template <typename T>
const GemmConfig<T>& gemm_config(Isa isa);
const Bf16GemmConfig& bf16_gemm_config(Isa isa);
const QGemmConfig& qgemm_config(Isa isa);

// The configuration for active_isa().
template <typename T>
const GemmConfig<T>& active_gemm_config() {
  return gemm_config<T>(active_isa());
}

// Every configuration this machine can run, whichever tier selects it, lowest tier first (tests
// run each through the driver and call each one's kernels directly).
template <typename T>
std::vector<const GemmConfig<T>*> runnable_gemm_configs();
std::vector<const Bf16GemmConfig*> runnable_bf16_configs();
std::vector<const QGemmConfig*> runnable_qgemm_configs();

// Every micro-kernel family the table can select, runnable here or not, with the CPU feature
// this machine lacks for it ("" when it runs here): the micro-kernel tests list each entry and
// skip those that cannot run, naming what is missing. A family added to the table is added here.
struct TableFamily {
  std::string name;     // the family's name, as its file
  std::string missing;  // e.g. "AVX-VNNI"; empty when runnable_*_configs() includes it
};
std::vector<TableFamily> table_families();

// "f32_gemm_12x32_avx512 (MR=12, NR=32, KC=..., NC=...)" for reports.
template <typename T>
std::string describe_config(const GemmConfig<T>& config);
std::string describe_config(const Bf16GemmConfig& config);
std::string describe_config(const QGemmConfig& config);

}  // namespace tinyaccel::gemm
