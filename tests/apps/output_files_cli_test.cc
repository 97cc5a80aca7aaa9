// The CLI's outputs as a careful user and an attacker would try them: devices and FIFOs, other
// users' files, file-size limits, signals mid-write and thread limits; run as root and, through
// setpriv, as the unprivileged user nobody.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <tinyaccel/io.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/tensor.hpp>
#include <tinyaccel/threads.hpp>

#include "io/io_test_support.hpp"
#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

using testing::read_bytes;
using testing::run_cli;
using testing::TempDir;
using testing::write_bytes;

constexpr uid_t kNobody = 65534;

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

// A scratch directory everyone may use, holding a small input a.npy (and b.npy for matmul).
class Scratch : public TempDir {
 public:
  Scratch() {
    std::filesystem::permissions(path(), std::filesystem::perms::all);
    save_npy(file("a.npy"), randn({64, 64}, 1));
    save_npy(file("b.npy"), randn({64, 64}, 2));
    for (const char* f : {"a.npy", "b.npy"}) ::chmod(file(f).c_str(), 0644);
  }
  std::string q(const std::string& name) const { return "'" + file(name) + "'"; }
  // Entries other than the inputs.
  std::vector<std::string> outputs() const {
    std::vector<std::string> out;
    for (const auto& e : entries()) {
      if (e != "a.npy" && e != "b.npy") out.push_back(e);
    }
    return out;
  }
};

// Why the CLI cannot run as nobody here ("" when it can).
std::string nobody_unavailable() {
  if (::geteuid() != 0) return "switching to user nobody needs root";
  if (::access("/usr/bin/setpriv", X_OK) != 0) return "setpriv (util-linux) is not installed";
  const std::string probe = "setpriv --reuid=65534 --regid=65534 --clear-groups '" +
                            std::string(TINYACCEL_CLI) + "' --help >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) {
    return "user nobody cannot run " + std::string(TINYACCEL_CLI) +
           " (a directory on its path is not world-readable)";
  }
  return "";
}

testing::CliResult run_as_nobody(const std::string& args, const std::string& prefix = "") {
  return testing::run_command("setpriv --reuid=65534 --regid=65534 --clear-groups " + prefix +
                              " '" + std::string(TINYACCEL_CLI) + "' " + args);
}

TEST(OutputFilesCli, DevNullSurvives) {
  Scratch dir;
  std::string null_path = "/dev/null";
  if (::geteuid() == 0) {
    null_path = dir.file("null");
    ASSERT_EQ(::mknod(null_path.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  }
  for (const std::string& cmd :
       {"matmul " + dir.q("a.npy") + " " + dir.q("b.npy") + " -o '" + null_path + "'",
        "gelu " + dir.q("a.npy") + " -o '" + null_path + "'"}) {
    const auto r = run_cli(cmd);
    EXPECT_EQ(r.status, 0) << cmd << ": " << r.err;
    EXPECT_TRUE(S_ISCHR(stat_of(null_path).st_mode)) << cmd;
  }
  EXPECT_TRUE(S_ISCHR(stat_of("/dev/null").st_mode));
  const auto r = run_cli("gelu " + dir.q("a.npy") + " -o /dev/stdout");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 6), "\x93NUMPY");
}

TEST(OutputFilesCli, AsNobody) {
  if (const std::string why = nobody_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Scratch dir;
  // A new file is nobody's.
  auto r = run_as_nobody("gelu " + dir.q("a.npy") + " -o " + dir.q("new.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(stat_of(dir.file("new.npy")).st_uid, kNobody);
  // Nobody's 0600 file stays 0600.
  ASSERT_EQ(::chmod(dir.file("new.npy").c_str(), 0600), 0);
  r = run_as_nobody("gelu " + dir.q("a.npy") + " -o " + dir.q("new.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(stat_of(dir.file("new.npy")).st_mode & 0777, 0600u);
  // Root's file that nobody may write: rewritten in place, still root's.
  write_bytes(dir.file("shared.npy"), "old");
  ASSERT_EQ(::chmod(dir.file("shared.npy").c_str(), 0666), 0);
  r = run_as_nobody("gelu " + dir.q("a.npy") + " -o " + dir.q("shared.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(stat_of(dir.file("shared.npy")).st_uid, 0u);
  EXPECT_EQ(stat_of(dir.file("shared.npy")).st_mode & 0777, 0666u);
  EXPECT_EQ(read_bytes(dir.file("shared.npy")).substr(0, 6), "\x93NUMPY");
  // Root's file that nobody may not write: refused, although nobody could rename over it.
  write_bytes(dir.file("roots.npy"), "old");
  ASSERT_EQ(::chmod(dir.file("roots.npy").c_str(), 0644), 0);
  r = run_as_nobody("gelu " + dir.q("a.npy") + " -o " + dir.q("roots.npy"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(dir.file("roots.npy")), "old");
  EXPECT_EQ(stat_of(dir.file("roots.npy")).st_uid, 0u);
  // A symlink nobody made, to nobody's file.
  ASSERT_EQ(::symlink("new.npy", dir.file("link.npy").c_str()), 0);
  r = run_as_nobody("gelu " + dir.q("a.npy") + " -o " + dir.q("link.npy"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(stat_of(dir.file("link.npy")).st_mode));
  // /dev/null.
  r = run_as_nobody("gelu " + dir.q("a.npy") + " -o /dev/null");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(S_ISCHR(stat_of("/dev/null").st_mode));
  EXPECT_EQ(dir.outputs(),
            (std::vector<std::string>{"link.npy", "new.npy", "roots.npy", "shared.npy"}));
}

TEST(OutputFilesCli, FileSizeLimitIsAnErrorWithoutLeftovers) {
  Scratch dir;
  // 64·64 float32 = 16 KiB of data: over a 16-block (8 KiB at 512 bytes) limit.
  const std::string command = "sh -c \"ulimit -f 16; exec '" + std::string(TINYACCEL_CLI) +
                              "' gelu " + dir.q("a.npy") + " -o " + dir.q("out.npy") + "\"";
  const auto r = testing::run_command(command);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_TRUE(dir.outputs().empty()) << dir.outputs().front();
}

// Starts `tinyaccel gelu in -o out`, sends `sig` the moment its temporary appears (inotify),
// and returns how the process ended.
int signal_mid_write(const Scratch& dir, const std::string& in, int sig) {
  const int watch = ::inotify_init1(IN_CLOEXEC);
  ::inotify_add_watch(watch, dir.path().c_str(), IN_CREATE);
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(TINYACCEL_CLI, "tinyaccel", "gelu", in.c_str(), "-o", dir.file("out.npy").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  alignas(inotify_event) char events[4096];
  for (bool sent = false; !sent;) {
    const ssize_t n = ::read(watch, events, sizeof events);
    for (ssize_t at = 0; n > 0 && at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(events + at);
      if (e->len > 0 && std::string(e->name).rfind(".out.npy.", 0) == 0) {
        ::kill(child, sig);
        sent = true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
    if (n <= 0) break;
  }
  ::close(watch);
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

TEST(OutputFilesCli, SignalsMidWriteLeaveNoTemporary) {
  Scratch dir;
  save_npy(dir.file("big.npy"), Tensor({4096, 4096}));  // 64 MiB in, 64 MiB out
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
    const int status = signal_mid_write(dir, dir.file("big.npy"), sig);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
    EXPECT_EQ(dir.outputs(), (std::vector<std::string>{"big.npy"})) << "signal " << sig;
  }
}

TEST(OutputFilesCli, ThreadLimitIsAnErrorNotACrash) {
  if (const std::string why = nobody_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Scratch dir;
  // RLIMIT_NPROC counts the user's threads (it is not enforced for root): room for the main
  // thread and the BLAS library's own start-up threads, not for max_threads(). (Under
  // AddressSanitizer the leak check at exit needs a thread of its own: it is left out.)
  const std::string most = std::to_string(max_threads());
  const std::string limit = "env ASAN_OPTIONS=\"$ASAN_OPTIONS:detect_leaks=0\" prlimit --nproc=" +
                            std::to_string(available_cpus() + 1);
  const auto r = run_as_nobody("matmul " + dir.q("a.npy") + " " + dir.q("b.npy") + " -o " +
                                   dir.q("c.npy") + " --threads " + most,
                               limit);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("cannot start " + most + " threads"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.npy")));
}

}  // namespace
}  // namespace tinyaccel
