#include <atomic>
#include <cstdlib>
#include <string>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tinyaccel {
namespace {

#if defined(__x86_64__) || defined(__i386__)
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf = 0) {
  Regs r;
  __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
  return r;
}

uint64_t xgetbv0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  const unsigned max_leaf = cpuid(0).a;
  const Regs l1 = cpuid(1);
  f.sse42 = bit(l1.c, 20);
  const bool osxsave = bit(l1.c, 27);
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  f.os_saves_ymm = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  f.os_saves_zmm = f.os_saves_ymm && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA
  f.avx = bit(l1.c, 28) && f.os_saves_ymm;
  f.fma = bit(l1.c, 12) && f.os_saves_ymm;
  f.f16c = bit(l1.c, 29) && f.os_saves_ymm;
  if (max_leaf >= 7) {
    const Regs l7 = cpuid(7, 0);
    f.avx2 = bit(l7.b, 5) && f.os_saves_ymm;
    f.avx512f = bit(l7.b, 16) && f.os_saves_zmm;
    f.avx512dq = bit(l7.b, 17) && f.os_saves_zmm;
    f.avx512bw = bit(l7.b, 30) && f.os_saves_zmm;
    f.avx512vl = bit(l7.b, 31) && f.os_saves_zmm;
    f.avx512_fp16 = bit(l7.d, 23) && f.os_saves_zmm;
    f.amx_bf16 = bit(l7.d, 22) && os_amx;
    f.amx_tile = bit(l7.d, 24) && os_amx;
    const Regs l7s1 = cpuid(7, 1);
    f.avx512_bf16 = bit(l7s1.a, 5) && f.os_saves_zmm;
  }
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__ARM_NEON) || defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}
#endif

Isa detect_isa(const CpuFeatures& f) {
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma) return Isa::avx512;
  if (f.avx2 && f.fma) return Isa::avx2;
  return Isa::scalar;
}

std::atomic<int> g_forced{-1};

Isa env_cap() {
  const char* env = std::getenv("TINYACCEL_ISA");
  if (env == nullptr || *env == '\0') return detected_isa();
  const Isa wanted = parse_isa(env);
  return wanted < detected_isa() ? wanted : detected_isa();
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

Isa parse_isa(const std::string& name) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (name == isa_name(isa)) return isa;
  }
  throw ValueError("unknown instruction set '" + name + "': expected scalar, avx2 or avx512");
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa detected_isa() {
  static const Isa isa = detect_isa(cpu_features());
  return isa;
}

Isa active_isa() {
  const int forced = g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<Isa>(forced);
  static const Isa from_env = env_cap();
  return from_env;
}

void force_isa(Isa isa) {
  if (isa > detected_isa()) {
    throw ValueError(std::string("cannot force instruction set ") + isa_name(isa) +
                     ": this machine supports up to " + isa_name(detected_isa()));
  }
  g_forced.store(static_cast<int>(isa));
}

void reset_isa() { g_forced.store(-1); }

}  // namespace tinyaccel
