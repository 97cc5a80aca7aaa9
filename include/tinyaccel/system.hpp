// What this machine is: CPU, instruction sets usable here (CPUID *and* OS support via XCR0),
// cores, caches, BLAS, build. Kernels choose their instruction set from `active_isa()`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#pragma GCC visibility push(default)
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
  // u8·s8 dot products (vpdpbusd): on 512-bit registers (AVX512_VNNI) and, VEX-encoded, on
  // 256-bit ones (AVX-VNNI, which CPUs without AVX-512 may have and AVX-512 ones may lack).
  bool avx512_vnni = false, avx_vnni = false;
  bool neon = false;
  bool os_saves_ymm = false;   // XCR0 bits 1,2: the OS preserves AVX state
  bool os_saves_zmm = false;   // XCR0 bits 5,6,7: the OS preserves AVX-512 state
};

// Detected once; every flag already requires OS support for its register state.
const CpuFeatures& cpu_features();

// Best tier this CPU and OS can run: avx512 needs AVX-512 F+BW+VL+DQ and FMA, avx2 needs AVX2
// and FMA, each with its register state saved by the OS.
Isa detected_isa();
// The tier kernels use: detected_isa(), lowered by TINYACCEL_ISA=<name> (read once; a tier above
// detected_isa() is capped to it, an unknown name is a ValueError) or by force_isa().
Isa active_isa();
// Caps the tier at `isa` (ValueError when the machine cannot run it); reset_isa() undoes it.
void force_isa(Isa isa);
void reset_isa();

// Size in bytes of the level-`level` data (or unified) cache that one core sees (1, 2 or 3),
// from cache_hierarchy(); 0 when neither the OS nor CPUID says.
int64_t cache_size_bytes(int level);

// One cache of cpu0 (every core has the same on the machines we target).
struct CacheLevel {
  int level = 0;
  std::string type;       // "data", "instruction" or "unified"
  int64_t size_bytes = 0;
  int line_bytes = 0;
  int ways = 0;           // 0: fully associative or not reported
  int shared_by = 0;      // logical CPUs sharing one instance of this cache
};
// cpu0's caches ordered by level then type, from sysfs (/sys/devices/system/cpu/cpu0/cache);
// when sysfs has none, from CPUID leaf 4 (Intel) or 0x8000001D (AMD), whose shared_by is the
// maximum the APIC-ID layout allows rather than a count of online CPUs. Empty when neither says.
std::vector<CacheLevel> cache_hierarchy();

// Logical CPUs this process may run on: the size of its affinity mask (sched_getaffinity), which
// taskset, cgroup cpusets and container runtimes narrow. Falls back to
// std::thread::hardware_concurrency(); always >= 1.
int available_cpus();

// The CPUs' worth of time this process may use: available_cpus() capped by its cgroup's CPU
// bandwidth limit (cgroup v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us, the smallest
// along the cgroup's ancestors), rounded up; always >= 1. The default thread count.
int usable_cpus();

// Which BLAS this build links: vendor, version/config string and its current thread count.
struct BlasInfo {
  std::string vendor;
  std::string config;  // starts with the library's name and version ("OpenBLAS 0.3.21 ...")
  int threads = 0;
};
BlasInfo blas_info();

// One instruction-set extension, named as Linux's /proc/cpuinfo "flags" spell it.
// Usable only when both hold: the processor implements it and the OS saves the registers it uses.
struct FeatureSupport {
  std::string name;   // "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", ..., "amx_tile", "neon"
  bool cpu = false;   // CPUID (x86) / HWCAP (ARM): the processor implements it
  bool os = false;    // XCR0 has every state component it needs (SSE/AVX/AVX-512/AMX tile)
  bool usable() const { return cpu && os; }
};

struct SystemInfo {
  std::string version;     // library version
  std::string os;          // kernel name and release, e.g. "Linux 6.1.0-18-amd64"
  std::string arch;        // "x86_64", "aarch64", ...
  std::string cpu_model;   // CPUID brand string, else /proc/cpuinfo "model name"
  std::string cpu_vendor;  // "GenuineIntel", "AuthenticAMD", ... (/proc/cpuinfo on ARM)
  int cpu_family = -1, cpu_model_number = -1, cpu_stepping = -1;  // -1: not known
  bool xcr0_known = false;  // XGETBV available (CPUID.1:ECX.OSXSAVE)
  uint64_t xcr0 = 0;        // OS-enabled state components
  std::vector<FeatureSupport> features;
  Isa detected_isa = Isa::scalar;
  Isa active_isa = Isa::scalar;
  // What set active_isa: "detected", "TINYACCEL_ISA" or "force_isa"; `isa_request` holds the
  // requested tier then (the env value as written, or the forced tier's name).
  std::string isa_source;
  std::string isa_request;
  int logical_cpus_available = 0;    // affinity mask: available_cpus()
  double cpu_quota = 0;              // cgroup CPU limit in CPUs; 0: none
  int usable_cpus = 0;               // usable_cpus(): the default thread count
  int logical_cpus_online = 0;       // online in the whole machine
  int physical_cores = 0;            // distinct (package, core) among online CPUs
  int physical_cores_available = 0;  // ... among the CPUs of the affinity mask
  std::vector<CacheLevel> caches;
  BlasInfo blas;
  int threads = 0;                   // num_threads()
  std::string build_type, compiler, build_flags;
  std::vector<std::string> sanitizers;  // "address", "undefined", "thread" when built with them
  // What the compiler saw when building the library's baseline (not ISA-suffixed) files:
  bool optimized = false;   // __OPTIMIZE__: built with -O1 or higher
  bool assertions = false;  // NDEBUG not defined
  std::string baseline_isa;  // "x86-64", "x86-64+avx2", "x86-64+avx512f", "aarch64", ...
};

// Gathers everything above. Throws ValueError when TINYACCEL_NUM_THREADS or TINYACCEL_ISA is
// malformed (the same error num_threads() / active_isa() give).
SystemInfo system_info();

// The JSON form `tinyaccel info --json` prints. Keys are stable (new keys may be added, existing
// ones keep their name, type and meaning):
//   version: string               os: string               arch: string
//   cpu: {model: string, vendor: string, family: int, model_number: int, stepping: int}
//   xcr0: string ("0x..." hex) or null when XGETBV is unavailable
//   features: {<name>: {cpu: bool, os: bool, usable: bool}, ...}   (names as FeatureSupport)
//   isa: {detected: string, active: string, source: string, request: string}
//   cpus: {logical_available: int, logical_online: int, physical_cores: int,
//          physical_cores_available: int, quota: number or null, usable: int}
//   caches: [{level: int, type: string, size_bytes: int, line_bytes: int, ways: int,
//             shared_by: int}, ...]
//   blas: {vendor: string, config: string, threads: int}
//   threads: int
//   build: {type: string, compiler: string, flags: string, sanitizers: [string],
//           optimized: bool, assertions: bool, baseline_isa: string}
std::string system_info_json(const SystemInfo& info, int indent = 2);

}  // namespace tinyaccel
#pragma GCC visibility pop
