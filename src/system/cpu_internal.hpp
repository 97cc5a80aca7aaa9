// Internals of src/system shared between its files (and the tests): raw CPUID access and the
// pieces SystemInfo is assembled from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinyaccel/system.hpp"

namespace tinyaccel::sysinfo {

// What CPUID leaf 0 and 0x80000002..4 say; empty strings / -1 off x86 or when a leaf is absent.
struct CpuIdentity {
  std::string vendor;
  std::string brand;
  int family = -1, model = -1, stepping = -1;
};
CpuIdentity cpuid_identity();

// XCR0 via XGETBV; `known` is false when the OS did not set CR4.OSXSAVE (or off x86).
struct Xcr0 {
  bool known = false;
  uint64_t value = 0;
};
Xcr0 read_xcr0();

// Every extension we report, in a fixed order, with CPU and OS support stated separately.
std::vector<FeatureSupport> feature_support();

// The tier a TINYACCEL_ISA value selects on a machine whose best tier is `detected`: the named
// tier, capped at `detected`. ValueError naming the variable for an unknown name.
Isa isa_from_request(const std::string& request, Isa detected);

// What set active_isa() now: {"detected", ""}, {"TINYACCEL_ISA", value} or {"force_isa", name}.
struct IsaSource {
  std::string source;
  std::string request;
};
IsaSource isa_source();

struct CpuCounts {
  int logical_available = 0, logical_online = 0;
  int physical_cores = 0, physical_cores_available = 0;
};
CpuCounts cpu_counts();

// Caches from each source separately (cache_hierarchy() prefers sysfs): empty when the source
// has nothing. Exposed so tests can check that the two agree.
std::vector<CacheLevel> caches_from_sysfs(const std::string& cpu_dir);
std::vector<CacheLevel> caches_from_cpuid();

// The CPU numbers of a sysfs CPU list such as "0-3,8,10-11"; empty when it cannot be parsed.
std::vector<int> parse_cpu_list(const std::string& list);

// Decimal prefix of `s` (its length in *used), -1 when there is none or it is absurdly large.
int64_t parse_int(const std::string& s, size_t* used = nullptr);

// First line of a small (sysfs/procfs) file; empty when it cannot be read.
std::string read_line(const std::string& path);

// The CPU bandwidth limit of this process's cgroup in CPUs (quota / period), nullopt when there
// is none. Read under `root` ("/" normally; a fake tree in tests): /proc/self/mountinfo gives
// the cgroup v2 mount (fstype cgroup2) and the v1 mount of the cpu controller, /proc/self/cgroup
// the process's cgroup in each; the limit is the smallest of the cgroup's own and each
// ancestor's up to the mount's root: v2 cpu.max ("max 100000" or "200000 100000"), v1
// cpu.cfs_quota_us (-1: none) / cpu.cfs_period_us. v2 wins when both have one.
std::optional<double> cgroup_cpu_limit(const std::string& root = "/");

// First "key : value" value in /proc/cpuinfo for `key`; empty when absent.
std::string proc_cpuinfo_value(const std::string& key);

}  // namespace tinyaccel::sysinfo
