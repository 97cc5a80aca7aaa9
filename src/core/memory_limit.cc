#include "core/memory_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "core/buffer_cache.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"

namespace tinyaccel {
namespace {

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

// The value of "<key>: <n> kB" in a /proc file, in bytes; -1 when absent.
int64_t proc_kib(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
        line[key.size()] == ':') {
      long long kib = -1;
      if (std::sscanf(line.c_str() + key.size() + 1, "%lld", &kib) == 1 && kib >= 0) {
        return kib > kUnlimited / 1024 ? kUnlimited : kib * 1024;
      }
    }
  }
  return -1;
}

// A cgroup file holding one number or "max"; kUnlimited for "max", -1 when unreadable.
int64_t cgroup_value(const std::string& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text)) return -1;
  if (text == "max") return kUnlimited;
  long long v = -1;
  return std::sscanf(text.c_str(), "%lld", &v) == 1 && v >= 0 ? v : -1;
}

// Room left under the memory limit of the cgroup at `path` below `root` and of every cgroup
// above it; `limit` and `usage` name the files (v2: memory.max, memory.current; v1:
// memory.limit_in_bytes, memory.usage_in_bytes).
int64_t cgroup_room(const std::string& root, std::string path, const char* limit,
                    const char* usage) {
  int64_t room = kUnlimited;
  while (true) {
    const std::string dir = root + (path == "/" ? std::string() : path);
    const int64_t max = cgroup_value(dir + "/" + limit);
    const int64_t current = cgroup_value(dir + "/" + usage);
    if (max >= 0 && max != kUnlimited && current >= 0) {
      room = std::min(room, std::max<int64_t>(0, max - current));
    }
    const size_t slash = path.rfind('/');
    if (path == "/" || slash == std::string::npos) break;
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return room;
}

// Room left under the memory limits of this process's cgroups (v2, or v1's memory controller).
int64_t cgroups_room() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  int64_t room = kUnlimited;
  while (std::getline(in, line)) {
    const size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) continue;
    const std::string controllers = "," + line.substr(c1 + 1, c2 - c1 - 1) + ",";
    const std::string path = line.substr(c2 + 1);
    if (controllers == ",,") {
      room = std::min(room, cgroup_room("/sys/fs/cgroup", path, "memory.max", "memory.current"));
    } else if (controllers.find(",memory,") != std::string::npos) {
      room = std::min(room, cgroup_room("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes",
                                        "memory.usage_in_bytes"));
    }
  }
  return room;
}

// Room left under RLIMIT_AS.
int64_t address_space_room() {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kUnlimited;
  const int64_t used = std::max<int64_t>(0, proc_kib("/proc/self/status", "VmSize"));
  const int64_t cap = static_cast<int64_t>(
      std::min<rlim_t>(limit.rlim_cur, static_cast<rlim_t>(kUnlimited)));
  return std::max<int64_t>(0, cap - used);
}

}  // namespace

int64_t available_memory_bytes() {
  int64_t room = std::min(cgroups_room(), address_space_room());
  const int64_t mem_available = proc_kib("/proc/meminfo", "MemAvailable");
  if (mem_available >= 0) room = std::min(room, mem_available);
  // Cached buffers (memory.hpp) are free for the next tensor but counted as used by the OS.
  return room == kUnlimited ? room : room + core::cached_buffer_bytes();
}

namespace core {

std::string bytes_str(int64_t bytes) {
  if (bytes == kUnlimited) return "over 2^63 bytes";
  char text[64];
  std::snprintf(text, sizeof text, "%" PRId64 " bytes (%.1f GiB)", bytes,
                static_cast<double>(bytes) / (1 << 30));
  return text;
}

}  // namespace core

void require_available_memory(int64_t bytes, const std::string& what) {
  const int64_t available = available_memory_bytes();
  if (bytes > available) {
    throw AllocationError(what + " needs " + core::bytes_str(bytes) + ", more than the " +
                          core::bytes_str(available) + " this process can have");
  }
}
}  // namespace tinyaccel
