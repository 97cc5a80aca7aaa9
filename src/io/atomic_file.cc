// Output files: what write_file_atomically does with each kind of target (io.hpp states the
// rules), and the list of temporaries a signal handler removes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ostream>
#include <random>
#include <streambuf>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

namespace tinyaccel {
namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's own limit (ELOOP)

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw IoError("cannot write " + quote(path) + ": " + why);
}

[[noreturn]] void fail_errno(const std::string& path, int err, const std::string& doing = "") {
  fail(path, (doing.empty() ? "" : doing + ": ") + std::strerror(err));
}

// ---- temporaries a signal handler may have to remove -------------------------------------------
// A slot is free (0), being filled or emptied by its writer (1), armed (2: the handler may
// remove it), or taken by a handler (3). Only lock-free atomics and unlinkat(): both are
// async-signal-safe.
struct TempSlot {
  std::atomic<int> state{0};
  int dir_fd = -1;
  char name[NAME_MAX + 1] = {};
};
constexpr int kTempSlots = 64;
TempSlot g_temps[kTempSlots];
static_assert(std::atomic<int>::is_always_lock_free);

// The slot now listing `name` in dir_fd, or -1 when all are taken (the file is then not removed
// by a signal, only by the writer itself).
int arm_temp(int dir_fd, const std::string& name) {
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = 0;
    if (g_temps[i].state.compare_exchange_strong(expected, 1)) {
      g_temps[i].dir_fd = dir_fd;
      std::memcpy(g_temps[i].name, name.c_str(), name.size() + 1);
      g_temps[i].state.store(2);
      return i;
    }
  }
  return -1;
}

void disarm_temp(int slot) {
  if (slot < 0) return;
  int expected = 2;
  if (g_temps[slot].state.compare_exchange_strong(expected, 1)) g_temps[slot].state.store(0);
}

// ---- writing through a file descriptor, keeping the OS's reason for a failure -----------------
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < epptr() - pptr()) {
      std::memcpy(pptr(), s, static_cast<size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    return drain() && write_all(s, static_cast<size_t>(n)) ? n : 0;
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const bool ok = write_all(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buffer_, buffer_ + sizeof buffer_);
    return ok;
  }
  bool write_all(const char* p, size_t n) {
    while (n > 0 && error_ == 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return error_ == 0;
  }

  int fd_;
  int error_ = 0;
  char buffer_[1 << 16];
};

// Runs `write` into fd and closes it; IoError with the OS's reason on any failure.
void write_and_close(int fd, const std::string& path,
                     const std::function<void(std::ostream&)>& write) {
  int err = 0;
  try {
    FdStreamBuf buffer(fd);
    std::ostream out(&buffer);
    write(out);
    out.flush();
    err = buffer.error() != 0 ? buffer.error() : (out ? 0 : EIO);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) fail_errno(path, err);
}

// ---- what `path` names ---------------------------------------------------------------------
struct Target {
  std::string path;  // after following symlinks
  bool exists = false;
  bool via_proc = false;  // a link under /proc on the way (/dev/stdout -> /proc/self/fd/1)
  struct stat st {};
};

std::string dir_of(const std::string& p) {
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string name_of(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Follows symlinks of the last component, a dangling one to the file it names.
Target resolve(const std::string& given) {
  Target t;
  t.path = given;
  for (int hop = 0;; ++hop) {
    t.via_proc = t.via_proc || t.path.rfind("/proc/", 0) == 0;
    if (::lstat(t.path.c_str(), &t.st) != 0) {
      if (errno != ENOENT) fail_errno(given, errno);
      return t;
    }
    if (!S_ISLNK(t.st.st_mode)) {
      t.exists = true;
      return t;
    }
    if (hop == kMaxSymlinkHops) fail_errno(given, ELOOP);
    std::string link(static_cast<size_t>(t.st.st_size > 0 ? t.st.st_size : PATH_MAX) + 1, '\0');
    const ssize_t n = ::readlink(t.path.c_str(), link.data(), link.size());
    if (n < 0) fail_errno(given, errno, "cannot read the symbolic link");
    if (n == 0) fail_errno(given, ENOENT, "an empty symbolic link");
    link.resize(static_cast<size_t>(n));
    t.path = link.front() == '/' ? link : dir_of(t.path) + "/" + link;
  }
}

const char* kind_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file, character device or FIFO";
}

// Character devices and FIFOs: opened and written, never replaced or truncated.
void write_special(const std::string& path, const std::string& target,
                   const std::function<void(std::ostream&)>& write) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail_errno(path, errno);
  write_and_close(fd, path, write);
}

// A regular file rewritten where it is: its inode, links, owner and mode stay; not atomic.
void write_in_place(const std::string& path, const std::string& target,
                    const std::function<void(std::ostream&)>& write) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail_errno(path, errno);
  write_and_close(fd, path, write);
}

// "." + the start of `name` + "." + 6 random characters: at most max(len(name), 16) bytes and
// never over the directory's name limit, so it fits wherever the final name fits.
std::string temp_name(const std::string& name, long name_max) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
  const size_t limit = std::min<size_t>(std::max<size_t>(name.size(), 16),
                                        static_cast<size_t>(name_max > 0 ? name_max : 255));
  std::string tmp(1, '.');
  tmp.append(name, 0, limit > 8 ? limit - 8 : 0);
  tmp.push_back('.');
  for (int i = 0; i < 6; ++i) tmp.push_back(kChars[random() % (sizeof kChars - 1)]);
  return tmp;
}

class DirFd {
 public:
  DirFd(const std::string& path, const std::string& dir) {
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) fail_errno(path, errno, "directory " + quote(dir));
  }
  ~DirFd() { ::close(fd_); }
  DirFd(const DirFd&) = delete;
  DirFd& operator=(const DirFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A new file beside the target, renamed over it once complete. Returns false, having written
// nothing, when the existing file's owner and group cannot be kept (the caller then writes in
// place).
bool write_replacing(const std::string& path, const Target& t,
                     const std::function<void(std::ostream&)>& write) {
  const std::string name = name_of(t.path);
  if (name.empty() || name == "." || name == "..") {
    fail(path, "it does not end in a file name (expected a path like dir/name.npy)");
  }
  DirFd dir(path, dir_of(t.path));
  const long name_max = ::fpathconf(dir.get(), _PC_NAME_MAX);
  std::string tmp;
  int fd = -1;
  // New files get 0666 less the umask, as any program's; a replacement starts private and then
  // takes the old file's owner, group and permission bits.
  const mode_t create_mode = t.exists ? 0600 : 0666;
  int slot = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = temp_name(name, name_max);
    // Listed before it exists, so that no signal finds it created but unlisted.
    slot = arm_temp(dir.get(), tmp);
    fd = ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, create_mode);
    if (fd < 0) {
      const int err = errno;
      disarm_temp(slot);
      if (err != EEXIST || attempt == 100) {
        fail_errno(path, err, "cannot create a temporary file in " + quote(dir_of(t.path)));
      }
    }
  }
  auto remove_temp = [&] {
    disarm_temp(slot);
    ::unlinkat(dir.get(), tmp.c_str(), 0);
  };
  if (t.exists) {
    struct stat now {};
    const bool keeps_owner = ::fstat(fd, &now) == 0 && now.st_uid == t.st.st_uid &&
                             now.st_gid == t.st.st_gid;
    if (!keeps_owner && ::fchown(fd, t.st.st_uid, t.st.st_gid) != 0) {
      ::close(fd);
      remove_temp();
      return false;
    }
    if (::fchmod(fd, t.st.st_mode & 0777) != 0) {
      const int err = errno;
      ::close(fd);
      remove_temp();
      fail_errno(path, err);
    }
  }
  try {
    write_and_close(fd, path, write);
  } catch (...) {
    remove_temp();
    throw;
  }
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    const int err = errno;
    remove_temp();
    fail_errno(path, err);
  }
  disarm_temp(slot);
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  if (path.empty()) throw IoError("cannot write '': the path is empty (expected a file name)");
  if (path.find('\0') != std::string::npos) fail(path, "the path contains a NUL byte");
  // What the kernel reaches through every link, /proc's (/dev/stdout) included.
  struct stat reached {};
  const bool reaches = ::stat(path.c_str(), &reached) == 0;
  const int reach_error = errno;
  if (reaches && (S_ISCHR(reached.st_mode) || S_ISFIFO(reached.st_mode))) {
    return write_special(path, path, write);
  }
  if (reaches && !S_ISREG(reached.st_mode)) {
    fail(path, std::string("it is ") + kind_name(reached.st_mode) +
                   " (outputs are regular files, character devices or FIFOs)");
  }
  const Target t = resolve(path);
  if (t.via_proc) {
    // A file some process has open (e.g. a shell redirection): written through the link.
    if (!reaches) fail_errno(path, reach_error);
    return write_in_place(path, path, write);
  }
  if (!t.exists) {
    write_replacing(path, t, write);
    return;
  }
  // Replacing would let anyone who may rename in the directory overwrite a file they may not
  // write; refuse as a direct write would.
  if (::faccessat(AT_FDCWD, t.path.c_str(), W_OK, AT_EACCESS) != 0) fail_errno(path, errno);
  if (t.st.st_nlink > 1 || !write_replacing(path, t, write)) write_in_place(path, t.path, write);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  write_file_atomically(path, [&](std::ostream& out) { out << content; });
}

void remove_partial_outputs() noexcept {
  for (TempSlot& slot : g_temps) {
    int expected = 2;
    if (slot.state.compare_exchange_strong(expected, 3)) {
      ::unlinkat(slot.dir_fd, slot.name, 0);
    }
  }
}

}  // namespace tinyaccel
