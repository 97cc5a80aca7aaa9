// Cache hierarchy: sysfs first (what the kernel decoded, with real sharing counts), CPUID
// deterministic cache parameters second (leaf 4 on Intel, 0x8000001D on AMD with TOPOEXT).
#include <algorithm>
#include <fstream>
#include <string>

#include "system/cpu_internal.hpp"
#include "tinyaccel/system.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tinyaccel {
namespace sysinfo {
namespace {

// sysfs writes sizes as "32K", "1024K", "32M".
int64_t parse_size(const std::string& s) {
  size_t used = 0;
  const int64_t v = parse_int(s, &used);
  if (v < 0) return 0;
  const char unit = used < s.size() ? s[used] : ' ';
  return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : v;
}

std::string lower_type(const std::string& t) {
  if (t == "Data") return "data";
  if (t == "Instruction") return "instruction";
  if (t == "Unified") return "unified";
  return "";
}

void sort_caches(std::vector<CacheLevel>& caches) {
  // By level, then data < instruction < unified (alphabetical happens to match).
  std::sort(caches.begin(), caches.end(), [](const CacheLevel& a, const CacheLevel& b) {
    return a.level != b.level ? a.level < b.level : a.type < b.type;
  });
}

}  // namespace

std::vector<CacheLevel> caches_from_sysfs(const std::string& cpu_dir) {
  std::vector<CacheLevel> caches;
  for (int i = 0; i < 32; ++i) {
    const std::string dir = cpu_dir + "/cache/index" + std::to_string(i) + "/";
    const std::string level = read_line(dir + "level");
    if (level.empty()) break;
    CacheLevel c;
    c.level = static_cast<int>(parse_int(level));
    c.type = lower_type(read_line(dir + "type"));
    c.size_bytes = parse_size(read_line(dir + "size"));
    auto field = [&dir](const char* name) {
      return static_cast<int>(std::max<int64_t>(0, parse_int(read_line(dir + name))));
    };
    c.line_bytes = field("coherency_line_size");
    c.ways = field("ways_of_associativity");
    c.shared_by = static_cast<int>(parse_cpu_list(read_line(dir + "shared_cpu_list")).size());
    if (c.level < 1 || c.type.empty() || c.size_bytes <= 0) continue;
    caches.push_back(c);
  }
  sort_caches(caches);
  return caches;
}

std::vector<CacheLevel> caches_from_cpuid() {
  std::vector<CacheLevel> caches;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid(0, a, b, c, d);
  const unsigned max_basic = a;
  const bool intel = b == 0x756e6547;  // "Genu"
  __cpuid(0x80000000, a, b, c, d);
  const unsigned max_ext = a;
  unsigned leaf = 0;
  if (intel && max_basic >= 4) {
    leaf = 4;
  } else if (max_ext >= 0x8000001D) {
    __cpuid(0x80000001, a, b, c, d);
    if ((c >> 22) & 1u) leaf = 0x8000001D;  // TOPOEXT
  }
  if (leaf == 0) return caches;
  // Both leaves share one layout (Intel SDM vol. 2A; AMD APM vol. 3): EAX[4:0] type (0 = no
  // more caches), EAX[7:5] level, EAX[9] fully associative, EAX[25:14] sharing logical CPUs - 1;
  // EBX[11:0] line - 1, EBX[21:12] partitions - 1, EBX[31:22] ways - 1; ECX sets - 1.
  for (unsigned sub = 0; sub < 32; ++sub) {
    __cpuid_count(leaf, sub, a, b, c, d);
    const unsigned type = a & 0x1F;
    if (type == 0) break;
    CacheLevel cl;
    cl.level = static_cast<int>((a >> 5) & 0x7);
    cl.type = type == 1 ? "data" : type == 2 ? "instruction" : "unified";
    cl.line_bytes = static_cast<int>((b & 0xFFF) + 1);
    const int64_t partitions = ((b >> 12) & 0x3FF) + 1;
    const int64_t ways = ((b >> 22) & 0x3FF) + 1;
    const int64_t sets = int64_t{c} + 1;
    cl.ways = ((a >> 9) & 1u) ? 0 : static_cast<int>(ways);
    cl.size_bytes = ways * partitions * cl.line_bytes * sets;
    cl.shared_by = static_cast<int>(((a >> 14) & 0xFFF) + 1);
    caches.push_back(cl);
  }
#endif
  sort_caches(caches);
  return caches;
}

}  // namespace sysinfo

std::vector<CacheLevel> cache_hierarchy() {
  static const std::vector<CacheLevel> caches = [] {
    std::vector<CacheLevel> from_os = sysinfo::caches_from_sysfs("/sys/devices/system/cpu/cpu0");
    return from_os.empty() ? sysinfo::caches_from_cpuid() : from_os;
  }();
  return caches;
}

int64_t cache_size_bytes(int level) {
  for (const CacheLevel& c : cache_hierarchy()) {
    if (c.level == level && (c.type == "data" || c.type == "unified")) return c.size_bytes;
  }
  return 0;
}

}  // namespace tinyaccel
