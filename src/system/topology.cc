// CPU counts: the affinity mask this process may use, the online CPUs, and the physical cores
// behind them (distinct (package, core) pairs, so SMT siblings count once).
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "system/cpu_internal.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel {
namespace sysinfo {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

int64_t parse_int(const std::string& s, size_t* used) {
  size_t i = 0;
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v > (int64_t{1} << 50)) return -1;
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (used != nullptr) *used = i;
  return i == 0 ? -1 : v;
}

std::vector<int> parse_cpu_list(const std::string& list) {
  // CPU numbers are bounded by the kernel's NR_CPUS (at most 8192 today).
  constexpr int64_t kMaxCpu = 1 << 16;
  std::vector<int> cpus;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string part = list.substr(pos, end - pos);
    size_t used = 0;
    const int64_t first = parse_int(part, &used);
    int64_t last = first;
    if (first >= 0 && used < part.size() && part[used] == '-') {
      size_t used2 = 0;
      last = parse_int(part.substr(used + 1), &used2);
      used += 1 + used2;
    }
    if (first < 0 || last < first || last > kMaxCpu || used != part.size()) return {};
    for (int64_t c = first; c <= last; ++c) cpus.push_back(static_cast<int>(c));
    pos = end + 1;
  }
  return cpus;
}

std::string proc_cpuinfo_value(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name != key) continue;
    const size_t value = line.find_first_not_of(" \t", colon + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

namespace {

// The CPU numbers in this process's affinity mask; empty when the OS cannot say.
std::vector<int> affinity_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  // A fixed cpu_set_t holds 1024 CPUs; the kernel rejects (EINVAL) a mask smaller than its own,
  // so grow the dynamically sized set until it fits.
  for (int ncpus = 1024; ncpus <= (1 << 16); ncpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(ncpus);
    if (set == nullptr) break;
    const size_t bytes = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(bytes, set);
    const int rc = sched_getaffinity(0, bytes, set);
    const int err = errno;
    if (rc == 0) {
      for (int c = 0; c < ncpus; ++c) {
        if (CPU_ISSET_S(c, bytes, set)) cpus.push_back(c);
      }
    }
    CPU_FREE(set);
    if (rc == 0 || err != EINVAL) break;
  }
#endif
  return cpus;
}

std::vector<int> online_cpus() {
  std::vector<int> cpus = parse_cpu_list(read_line("/sys/devices/system/cpu/online"));
  if (cpus.empty()) {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long c = 0; c < n; ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus;
}

using CoreId = std::pair<int64_t, int64_t>;  // (physical package, core within it)

// CPU number -> core, from sysfs topology, else /proc/cpuinfo ("processor", "physical id",
// "core id"); empty when neither describes every CPU asked for.
std::vector<std::pair<int, CoreId>> core_ids(const std::vector<int>& cpus) {
  std::vector<std::pair<int, CoreId>> out;
  for (int c : cpus) {
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/";
    const int64_t package = parse_int(read_line(dir + "physical_package_id"));
    const int64_t core = parse_int(read_line(dir + "core_id"));
    if (package < 0 || core < 0) break;
    out.push_back({c, {package, core}});
  }
  if (out.size() == cpus.size()) return out;
  out.clear();
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  int64_t processor = -1, package = -1, core = -1;
  auto flush = [&] {
    if (processor >= 0 && package >= 0 && core >= 0) {
      out.push_back({static_cast<int>(processor), {package, core}});
    }
    processor = package = core = -1;
  };
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      flush();
      continue;
    }
    const std::string key = line.substr(0, line.find_first_of(" \t:"));
    const size_t v = line.find_first_not_of(" \t", colon + 1);
    const int64_t value = v == std::string::npos ? -1 : parse_int(line.substr(v));
    if (key == "processor") processor = value;
    if (line.rfind("physical id", 0) == 0) package = value;
    if (line.rfind("core id", 0) == 0) core = value;
  }
  flush();
  if (out.size() < cpus.size()) out.clear();
  return out;
}

int count_cores(const std::vector<std::pair<int, CoreId>>& ids, const std::vector<int>& among) {
  std::set<CoreId> cores;
  for (const auto& [cpu, core] : ids) {
    if (std::find(among.begin(), among.end(), cpu) != among.end()) cores.insert(core);
  }
  return static_cast<int>(cores.size());
}

}  // namespace

CpuCounts cpu_counts() {
  CpuCounts counts;
  const std::vector<int> online = online_cpus();
  std::vector<int> available = affinity_cpus();
  if (available.empty()) available = online;
  counts.logical_online = std::max<int>(1, static_cast<int>(online.size()));
  counts.logical_available = available_cpus();
  const auto ids = core_ids(online);
  counts.physical_cores = ids.empty() ? counts.logical_online : count_cores(ids, online);
  counts.physical_cores_available =
      ids.empty() ? counts.logical_available : count_cores(ids, available);
  return counts;
}

}  // namespace sysinfo

int available_cpus() {
  const size_t n = sysinfo::affinity_cpus().size();
  if (n > 0) return static_cast<int>(n);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int usable_cpus() {
  const int cpus = available_cpus();
  const std::optional<double> limit = sysinfo::cgroup_cpu_limit();
  if (!limit) return cpus;
  // A quota of 1.5 CPUs still runs two threads at once, each for part of the period.
  return std::clamp(static_cast<int>(std::ceil(*limit - 1e-9)), 1, cpus);
}

}  // namespace tinyaccel
