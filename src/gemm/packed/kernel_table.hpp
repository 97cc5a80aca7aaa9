// The kernel table: the one place that names an instruction set. For each dtype and ISA tier it
// holds the micro-kernel family and the cache block sizes derived for it. Looked up per call
// from active_isa() (an atomic load), so force_isa()/TINYACCEL_ISA take effect immediately.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "gemm/packed/ukernel.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::gemm {

template <typename T>
struct GemmConfig {
  Isa isa = Isa::scalar;
  const UkernelFamily<T>* family = nullptr;
  int64_t kc = 0;  // depth of one packed panel pass
  int64_t nc = 0;  // columns of the packed B block at depth KC (nc_for(kc))
  int64_t l2_bytes = 0;  // one core's L2, for the pack-or-not decision on B

  // Columns of a packed B block `depth` deep: the block takes half of L2 (multiple of NR).
  int64_t nc_for(int64_t depth) const {
    const int64_t nr = family->nr, block_bytes = l2_bytes / 2;
    return std::max<int64_t>(nr, block_bytes / (depth * static_cast<int64_t>(sizeof(T))) / nr * nr);
  }
};

// The configuration for `isa` (which the machine must be able to run).
template <typename T>
const GemmConfig<T>& gemm_config(Isa isa);

// The configuration for active_isa().
template <typename T>
const GemmConfig<T>& active_gemm_config() {
  return gemm_config<T>(active_isa());
}

// "f32_gemm_12x32_avx512 (MR=12, NR=32, KC=..., NC=...)" for reports.
template <typename T>
std::string describe_config(const GemmConfig<T>& config);

}  // namespace tinyaccel::gemm
