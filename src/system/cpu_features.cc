// Instruction-set detection. An extension is usable only when the processor implements it
// (CPUID) *and* the OS saves the registers it touches (XCR0, read with XGETBV): a hypervisor or
// kernel that does not enable AVX-512 state makes AVX-512 instructions fault even on a CPU that
// has them. One table below names every extension we report; CpuFeatures is derived from it.
#include <atomic>
#include <cstdlib>
#include <string>

#include "system/cpu_internal.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TINYACCEL_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace tinyaccel {
namespace sysinfo {
namespace {

#if defined(TINYACCEL_X86)
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf = 0) {
  Regs r;
  __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
  return r;
}

enum class Reg { eax, ebx, ecx, edx };

unsigned reg_value(const Regs& r, Reg reg) {
  switch (reg) {
    case Reg::eax: return r.a;
    case Reg::ebx: return r.b;
    case Reg::ecx: return r.c;
    default: return r.d;
  }
}

// The XCR0 state components an extension's registers need.
enum class State {
  xmm,   // bit 1 (SSE)
  ymm,   // bits 1-2 (SSE, AVX upper halves)
  zmm,   // bits 1-2 and 5-7 (opmask, ZMM_Hi256, Hi16_ZMM)
  tile,  // bits 17-18 (XTILECFG, XTILEDATA); Linux also requires a per-process
         // arch_prctl(ARCH_REQ_XCOMP_PERM) before the first AMX instruction
};

bool state_enabled(State state, const Xcr0& xcr0) {
  // Without XSAVE the SSE registers are saved by FXSAVE, which every x86-64 OS uses.
  if (!xcr0.known) return state == State::xmm;
  const uint64_t v = xcr0.value;
  switch (state) {
    case State::xmm: return (v & 0x2) == 0x2;
    case State::ymm: return (v & 0x6) == 0x6;
    case State::zmm: return (v & 0xE6) == 0xE6;
    default: return (v & 0x60000) == 0x60000;
  }
}

struct FeatureBit {
  const char* name;  // /proc/cpuinfo spelling
  unsigned leaf, subleaf;
  Reg reg;
  int bit;
  State state;
};

// Intel SDM vol. 2A, CPUID; the same bits on AMD.
constexpr FeatureBit kFeatureBits[] = {
    {"sse4_2", 1, 0, Reg::ecx, 20, State::xmm},
    {"avx", 1, 0, Reg::ecx, 28, State::ymm},
    {"fma", 1, 0, Reg::ecx, 12, State::ymm},
    {"f16c", 1, 0, Reg::ecx, 29, State::ymm},
    {"avx2", 7, 0, Reg::ebx, 5, State::ymm},
    {"avx512f", 7, 0, Reg::ebx, 16, State::zmm},
    {"avx512dq", 7, 0, Reg::ebx, 17, State::zmm},
    {"avx512bw", 7, 0, Reg::ebx, 30, State::zmm},
    {"avx512vl", 7, 0, Reg::ebx, 31, State::zmm},
    {"avx512_bf16", 7, 1, Reg::eax, 5, State::zmm},
    {"avx512_vnni", 7, 0, Reg::ecx, 11, State::zmm},
    {"avx_vnni", 7, 1, Reg::eax, 4, State::ymm},
    {"avx512_fp16", 7, 0, Reg::edx, 23, State::zmm},
    {"amx_tile", 7, 0, Reg::edx, 24, State::tile},
    {"amx_bf16", 7, 0, Reg::edx, 22, State::tile},
    {"amx_int8", 7, 0, Reg::edx, 25, State::tile},
};

bool leaf_available(unsigned leaf, unsigned subleaf) {
  const unsigned max_basic = cpuid(0).a;
  if (leaf > max_basic) return false;
  // Leaf 7 reports its highest subleaf in EAX of subleaf 0.
  return leaf != 7 || subleaf == 0 || subleaf <= cpuid(7, 0).a;
}
#endif

// TINYACCEL_ISA as read once at the first active_isa() call.
struct EnvRequest {
  std::string raw;  // empty when unset
  Isa cap = Isa::scalar;
};

const EnvRequest& env_request() {
  static const EnvRequest request = [] {
    EnvRequest r;
    const char* env = std::getenv("TINYACCEL_ISA");
    r.raw = env == nullptr ? "" : env;
    r.cap = r.raw.empty() ? detected_isa() : isa_from_request(r.raw, detected_isa());
    return r;
  }();
  return request;
}

std::atomic<int> g_forced{-1};

CpuFeatures detect() {
  static constexpr std::pair<const char*, bool CpuFeatures::*> kFields[] = {
      {"sse4_2", &CpuFeatures::sse42},         {"avx", &CpuFeatures::avx},
      {"avx2", &CpuFeatures::avx2},            {"fma", &CpuFeatures::fma},
      {"f16c", &CpuFeatures::f16c},            {"avx512f", &CpuFeatures::avx512f},
      {"avx512bw", &CpuFeatures::avx512bw},    {"avx512vl", &CpuFeatures::avx512vl},
      {"avx512dq", &CpuFeatures::avx512dq},    {"avx512_bf16", &CpuFeatures::avx512_bf16},
      {"avx512_vnni", &CpuFeatures::avx512_vnni}, {"avx_vnni", &CpuFeatures::avx_vnni},
      {"avx512_fp16", &CpuFeatures::avx512_fp16}, {"amx_tile", &CpuFeatures::amx_tile},
      {"amx_bf16", &CpuFeatures::amx_bf16},    {"neon", &CpuFeatures::neon},
  };
  CpuFeatures f;
  for (const FeatureSupport& s : feature_support()) {
    for (const auto& [name, field] : kFields) {
      if (s.name == name) f.*field = s.usable();
    }
  }
#if defined(TINYACCEL_X86)
  const Xcr0 xcr0 = read_xcr0();
  f.os_saves_ymm = state_enabled(State::ymm, xcr0);
  f.os_saves_zmm = state_enabled(State::zmm, xcr0);
#endif
  return f;
}

Isa detect_isa(const CpuFeatures& f) {
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma) return Isa::avx512;
  if (f.avx2 && f.fma) return Isa::avx2;
  return Isa::scalar;
}

}  // namespace

Xcr0 read_xcr0() {
  Xcr0 x;
#if defined(TINYACCEL_X86)
  if ((cpuid(1).c >> 27) & 1u) {  // OSXSAVE: XGETBV is enabled
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    x.known = true;
    x.value = (static_cast<uint64_t>(hi) << 32) | lo;
  }
#endif
  return x;
}

std::vector<FeatureSupport> feature_support() {
  std::vector<FeatureSupport> out;
#if defined(TINYACCEL_X86)
  const Xcr0 xcr0 = read_xcr0();
  for (const FeatureBit& fb : kFeatureBits) {
    FeatureSupport s;
    s.name = fb.name;
    s.cpu = leaf_available(fb.leaf, fb.subleaf) &&
            ((reg_value(cpuid(fb.leaf, fb.subleaf), fb.reg) >> fb.bit) & 1u);
    s.os = state_enabled(fb.state, xcr0);
    out.push_back(s);
  }
#elif defined(__aarch64__) && defined(__linux__)
  // Advanced SIMD is architecturally mandatory on AArch64; HWCAP confirms the kernel exposes it.
  out.push_back({"neon", (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0, true});
#elif defined(__ARM_NEON)
  out.push_back({"neon", true, true});
#endif
  return out;
}

CpuIdentity cpuid_identity() {
  CpuIdentity id;
#if defined(TINYACCEL_X86)
  const Regs l0 = cpuid(0);
  char vendor[13] = {};
  for (int i = 0; i < 4; ++i) {
    vendor[i] = static_cast<char>(l0.b >> (8 * i));
    vendor[4 + i] = static_cast<char>(l0.d >> (8 * i));
    vendor[8 + i] = static_cast<char>(l0.c >> (8 * i));
  }
  id.vendor = vendor;
  if (l0.a >= 1) {
    // Intel SDM vol. 2A, CPUID.1:EAX: the extended family is added only when the base family
    // is 0xF; the extended model is prefixed when the base family is 6 or 0xF.
    const unsigned eax = cpuid(1).a;
    const int base_family = static_cast<int>((eax >> 8) & 0xF);
    id.family = base_family == 0xF ? base_family + static_cast<int>((eax >> 20) & 0xFF)
                                   : base_family;
    id.model = static_cast<int>((eax >> 4) & 0xF);
    if (base_family == 0x6 || base_family == 0xF) id.model |= static_cast<int>((eax >> 12) & 0xF0);
    id.stepping = static_cast<int>(eax & 0xF);
  }
  if (cpuid(0x80000000).a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      const Regs r = cpuid(0x80000002 + i);
      const unsigned regs[4] = {r.a, r.b, r.c, r.d};
      for (int j = 0; j < 16; ++j) {
        brand[16 * i + j] = static_cast<char>(regs[j / 4] >> (8 * (j % 4)));
      }
    }
    std::string s = brand;
    const size_t first = s.find_first_not_of(' ');
    const size_t last = s.find_last_not_of(' ');
    id.brand = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  }
#endif
  return id;
}

Isa isa_from_request(const std::string& request, Isa detected) {
  Isa wanted = Isa::scalar;
  try {
    wanted = parse_isa(request);
  } catch (const ValueError& e) {
    throw ValueError(std::string("TINYACCEL_ISA: ") + e.what());
  }
  return wanted < detected ? wanted : detected;
}

IsaSource isa_source() {
  const int forced = g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return {"force_isa", isa_name(static_cast<Isa>(forced))};
  const EnvRequest& env = env_request();
  if (!env.raw.empty()) return {"TINYACCEL_ISA", env.raw};
  return {"detected", ""};
}

}  // namespace sysinfo

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
  throw ValueError("unknown instruction set " + quote(name) + ": expected scalar, avx2 or avx512");
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = sysinfo::detect();
  return features;
}

Isa detected_isa() {
  static const Isa isa = sysinfo::detect_isa(cpu_features());
  return isa;
}

Isa active_isa() {
  const int forced = sysinfo::g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<Isa>(forced);
  return sysinfo::env_request().cap;
}

void force_isa(Isa isa) {
  if (isa > detected_isa()) {
    throw ValueError(std::string("cannot force instruction set ") + isa_name(isa) +
                     ": this machine supports up to " + isa_name(detected_isa()));
  }
  sysinfo::g_forced.store(static_cast<int>(isa));
}

void reset_isa() { sysinfo::g_forced.store(-1); }

}  // namespace tinyaccel
