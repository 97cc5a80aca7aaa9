// The cgroup CPU quota (cgroup_cpu_limit) read from fake /proc and cgroup trees, and the default
// thread count's respect of the affinity mask (a CLI run under taskset).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"
#include "system/cpu_internal.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel::sysinfo {
namespace {

namespace fs = std::filesystem;

class FakeRoot {
 public:
  FakeRoot() {
    root_ = fs::temp_directory_path() /
            ("tinyaccel_cgroup_" + std::to_string(getpid()) + "_" + std::to_string(++count_));
    fs::create_directories(root_ / "proc/self");
  }
  ~FakeRoot() { fs::remove_all(root_); }

  void write(const std::string& path, const std::string& text) const {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
  }
  std::string path() const { return root_.string(); }

 private:
  static inline int count_ = 0;
  fs::path root_;
};

constexpr char kV2Mount[] =
    "24 1 0:22 / /proc rw,nosuid - proc proc rw\n"
    "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(Cgroup, V2QuotaIsQuotaOverPeriod) {
  FakeRoot r;
  r.write("proc/self/mountinfo", kV2Mount);
  r.write("proc/self/cgroup", "0::/user.slice/job\n");
  r.write("sys/fs/cgroup/user.slice/job/cpu.max", "150000 100000\n");
  r.write("sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(r.path()).value_or(-1), 1.5);
}

TEST(Cgroup, V2SmallestAlongTheAncestorsWins) {
  FakeRoot r;
  r.write("proc/self/mountinfo", kV2Mount);
  r.write("proc/self/cgroup", "0::/a/b\n");
  r.write("sys/fs/cgroup/a/b/cpu.max", "max 100000\n");
  r.write("sys/fs/cgroup/a/cpu.max", "200000 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(r.path()).value_or(-1), 2.0);
}

TEST(Cgroup, V2MaxMeansNoLimit) {
  FakeRoot r;
  r.write("proc/self/mountinfo", kV2Mount);
  r.write("proc/self/cgroup", "0::/a\n");
  r.write("sys/fs/cgroup/a/cpu.max", "max 100000\n");
  EXPECT_FALSE(cgroup_cpu_limit(r.path()).has_value());
}

// In a container the mount shows the cgroup's own subtree: its root is stripped from the path.
TEST(Cgroup, V2ContainerMountShowsItsSubtree) {
  FakeRoot r;
  r.write("proc/self/mountinfo",
          "30 24 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  r.write("proc/self/cgroup", "0::/docker/abc\n");
  r.write("sys/fs/cgroup/cpu.max", "400000 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(r.path()).value_or(-1), 4.0);
}

TEST(Cgroup, V1CfsQuota) {
  FakeRoot r;
  r.write("proc/self/mountinfo",
          "35 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
  r.write("proc/self/cgroup", "4:cpu,cpuacct:/batch\n1:name=systemd:/batch\n");
  r.write("sys/fs/cgroup/cpu,cpuacct/batch/cpu.cfs_quota_us", "300000\n");
  r.write("sys/fs/cgroup/cpu,cpuacct/batch/cpu.cfs_period_us", "100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(r.path()).value_or(-1), 3.0);
  r.write("sys/fs/cgroup/cpu,cpuacct/batch/cpu.cfs_quota_us", "-1\n");
  EXPECT_FALSE(cgroup_cpu_limit(r.path()).has_value());
}

TEST(Cgroup, NoCgroupFilesMeanNoLimit) {
  FakeRoot r;
  EXPECT_FALSE(cgroup_cpu_limit(r.path()).has_value());
}

TEST(Cgroup, UsableCpusIsTheAffinityCappedByTheQuota) {
  const int usable = usable_cpus();
  EXPECT_GE(usable, 1);
  EXPECT_LE(usable, available_cpus());
  if (const auto limit = cgroup_cpu_limit()) EXPECT_LE(usable, static_cast<int>(*limit) + 1);
}

// A process pinned to one CPU defaults to one thread.
TEST(Cgroup, DefaultThreadsFollowTheAffinityMask) {
  const auto r = testing::run_command("env -u TINYACCEL_NUM_THREADS taskset -c 0 '" +
                                      std::string(TINYACCEL_CLI) + "' info --json");
  if (r.status == 127) GTEST_SKIP() << "taskset is not installed";
  ASSERT_EQ(r.status, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["threads"].get<int>(), 1) << r.out;
  EXPECT_EQ(info["cpus"]["usable"].get<int>(), 1) << r.out;
}

}  // namespace
}  // namespace tinyaccel::sysinfo
