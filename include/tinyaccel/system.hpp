// What this machine is: CPU, instruction sets usable here (CPUID *and* OS support via XCR0),
// cores, caches, BLAS, build. Kernels choose their instruction set from `active_isa()`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinyaccel {

// The instruction-set tiers our kernels are written for, lowest first.
enum class Isa { scalar, avx2, avx512 };

const char* isa_name(Isa isa);  // "scalar", "avx2", "avx512"
// Accepts isa_name() spellings; ValueError listing them otherwise.
Isa parse_isa(const std::string& name);

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_bf16 = false, avx512_fp16 = false, amx_tile = false, amx_bf16 = false;
  bool neon = false;
  bool os_saves_ymm = false;   // XCR0 bits 1,2: the OS preserves AVX state
  bool os_saves_zmm = false;   // XCR0 bits 5,6,7: the OS preserves AVX-512 state
};

// Detected once; every flag already requires OS support for its register state.
const CpuFeatures& cpu_features();

// Best tier this CPU and OS can run.
Isa detected_isa();
// The tier kernels use: detected_isa(), lowered by TINYACCEL_ISA=<name> or force_isa().
Isa active_isa();
// Caps the tier at `isa` (ValueError when the machine cannot run it); reset_isa() undoes it.
void force_isa(Isa isa);
void reset_isa();

// Size in bytes of the level-`level` data (or unified) cache that one core sees (1, 2 or 3),
// from the OS's cache description; 0 when the OS does not say.
int64_t cache_size_bytes(int level);

}  // namespace tinyaccel
