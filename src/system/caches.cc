#include <fstream>
#include <string>

#include "tinyaccel/system.hpp"

namespace tinyaccel {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// sysfs writes sizes as "32K", "1024K", "32M".
int64_t parse_size(const std::string& s) {
  if (s.empty()) return 0;
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    return 0;
  }
  const char unit = used < s.size() ? s[used] : ' ';
  return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : v;
}

}  // namespace

int64_t cache_size_bytes(int level) {
  const std::string base = "/sys/devices/system/cpu/cpu0/cache/index";
  for (int i = 0; i < 16; ++i) {
    const std::string dir = base + std::to_string(i) + "/";
    const std::string lvl = read_line(dir + "level");
    if (lvl.empty()) break;
    const std::string type = read_line(dir + "type");
    if (std::stoi(lvl) == level && (type == "Data" || type == "Unified")) {
      return parse_size(read_line(dir + "size"));
    }
  }
  return 0;
}

}  // namespace tinyaccel
