// The cgroup CPU quota (cpu_internal.hpp's cgroup_cpu_limit).
#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "system/cpu_internal.hpp"

namespace tinyaccel::sysinfo {
namespace {

struct Mount {
  std::string root;   // the cgroup path the mount shows at its mount point
  std::string point;  // where it is mounted
};

// The cgroup2 mount (v2) or the v1 mount whose options name the cpu controller.
std::optional<Mount> find_mount(const std::string& root, bool v2) {
  std::ifstream in(root + "/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
    std::string id, parent, dev, mount_root, point, fstype, source, super;
    pre >> id >> parent >> dev >> mount_root >> point;
    post >> fstype >> source >> super;
    if (v2 && fstype == "cgroup2") return Mount{mount_root, point};
    if (!v2 && fstype == "cgroup") {
      std::istringstream opts(super);
      for (std::string opt; std::getline(opts, opt, ',');) {
        if (opt == "cpu") return Mount{mount_root, point};
      }
    }
  }
  return std::nullopt;
}

// The process's cgroup path for v2 ("0::/path") or for the v1 hierarchy listing "cpu".
std::optional<std::string> cgroup_path(const std::string& root, bool v2) {
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (v2 && line.compare(0, a, "0") == 0 && controllers.empty()) return path;
    if (!v2) {
      std::istringstream list(controllers);
      for (std::string c; std::getline(list, c, ',');) {
        if (c == "cpu") return path;
      }
    }
  }
  return std::nullopt;
}

// The directories from the cgroup's own up to the mount point.
std::vector<std::string> cgroup_dirs(const std::string& root, const Mount& mount,
                                     std::string path) {
  // Inside a cgroup namespace or a container the mount shows a subtree: strip its root.
  if (mount.root != "/" && path.compare(0, mount.root.size(), mount.root) == 0) {
    path = path.substr(mount.root.size());
  }
  std::vector<std::string> dirs;
  while (true) {
    dirs.push_back(root + mount.point + (path == "/" ? "" : path));
    const size_t slash = path.find_last_of('/');
    if (path.empty() || path == "/" || slash == std::string::npos) break;
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return dirs;
}

std::optional<double> v2_limit(const std::string& dir) {
  std::istringstream in(read_line(dir + "/cpu.max"));
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  const int64_t q = parse_int(quota);
  if (q <= 0) return std::nullopt;
  return double(q) / period;
}

std::optional<double> v1_limit(const std::string& dir) {
  const std::string quota = read_line(dir + "/cpu.cfs_quota_us");
  const int64_t q = parse_int(quota), p = parse_int(read_line(dir + "/cpu.cfs_period_us"));
  if (quota.empty() || quota[0] == '-' || q <= 0 || p <= 0) return std::nullopt;
  return double(q) / double(p);
}

std::optional<double> limit_of(const std::string& root, bool v2) {
  const std::optional<Mount> mount = find_mount(root, v2);
  const std::optional<std::string> path = cgroup_path(root, v2);
  if (!mount || !path) return std::nullopt;
  std::optional<double> smallest;
  for (const std::string& dir : cgroup_dirs(root, *mount, *path)) {
    const std::optional<double> l = v2 ? v2_limit(dir) : v1_limit(dir);
    if (l && (!smallest || *l < *smallest)) smallest = l;
  }
  return smallest;
}

}  // namespace

std::optional<double> cgroup_cpu_limit(const std::string& root) {
  if (const std::optional<double> v2 = limit_of(root, true)) return v2;
  return limit_of(root, false);
}

}  // namespace tinyaccel::sysinfo
