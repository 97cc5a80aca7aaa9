// write_file_atomically (through save_npy) on every kind of target: new and existing regular
// files (mode, owner, hard links), symbolic links, character devices, FIFOs, sockets,
// directories; long names; failures and signals leave no temporary behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/io.hpp>

#include "io/io_test_support.hpp"
#include "support/errors.hpp"

namespace tinyaccel {
namespace {

using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

Tensor sample() { return testing::pattern_tensor({4, 5}, DType::f32); }

TEST(OutputFiles, NewFileTakesTheUmask) {
  TempDir dir;
  const mode_t old = ::umask(027);
  save_npy(dir.file("t.npy"), sample());
  ::umask(old);
  EXPECT_EQ(stat_of(dir.file("t.npy")).st_mode & 0777, 0640u);
  EXPECT_EQ(read_bytes(dir.file("t.npy")), serialize_npy(sample()));
}

TEST(OutputFiles, ExistingFileKeepsItsModeAndIsReplacedAtomically) {
  TempDir dir;
  for (const mode_t mode : {0600, 0640, 0604}) {
    const std::string path = dir.file("t.npy");
    write_bytes(path, "old");
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    const ino_t before = stat_of(path).st_ino;
    save_npy(path, sample());
    const struct stat st = stat_of(path);
    EXPECT_EQ(st.st_mode & 0777, mode);
    EXPECT_NE(st.st_ino, before) << "replaced by a new file, not rewritten";
    EXPECT_EQ(read_bytes(path), serialize_npy(sample()));
  }
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"t.npy"}));
}

TEST(OutputFiles, ExistingFileKeepsItsOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  TempDir dir;
  const std::string path = dir.file("theirs.npy");
  write_bytes(path, "old");
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  save_npy(path, sample());
  const struct stat st = stat_of(path);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_bytes(path), serialize_npy(sample()));
}

TEST(OutputFiles, HardLinkedFileIsRewrittenInPlace) {
  TempDir dir;
  write_bytes(dir.file("a.npy"), "old");
  ASSERT_EQ(::link(dir.file("a.npy").c_str(), dir.file("b.npy").c_str()), 0);
  const ino_t before = stat_of(dir.file("a.npy")).st_ino;
  save_npy(dir.file("a.npy"), sample());
  EXPECT_EQ(stat_of(dir.file("a.npy")).st_ino, before);
  EXPECT_EQ(stat_of(dir.file("b.npy")).st_nlink, 2u);
  EXPECT_EQ(read_bytes(dir.file("b.npy")), serialize_npy(sample()));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.npy", "b.npy"}));
}

TEST(OutputFiles, SymlinksAreFollowedToTheirTarget) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "sub");
  write_bytes(dir.file("sub/target.npy"), "old");
  // A relative link resolves against the link's directory, through a chain of links.
  ASSERT_EQ(::symlink("sub/target.npy", dir.file("link1").c_str()), 0);
  ASSERT_EQ(::symlink("link1", dir.file("link2.npy").c_str()), 0);
  save_npy(dir.file("link2.npy"), sample());
  EXPECT_TRUE(S_ISLNK(stat_of(dir.file("link1")).st_mode));
  EXPECT_TRUE(S_ISLNK(stat_of(dir.file("link2.npy")).st_mode));
  EXPECT_EQ(read_bytes(dir.file("sub/target.npy")), serialize_npy(sample()));
  EXPECT_EQ(std::filesystem::directory_iterator(dir.path() / "sub")->path().filename(),
            "target.npy");
  // A dangling link creates the file it names.
  ASSERT_EQ(::symlink((dir.path() / "sub/new.npy").c_str(), dir.file("dangling").c_str()), 0);
  save_npy(dir.file("dangling"), sample());
  EXPECT_TRUE(S_ISLNK(stat_of(dir.file("dangling")).st_mode));
  EXPECT_EQ(read_bytes(dir.file("sub/new.npy")), serialize_npy(sample()));
  // A loop is an error naming it.
  ASSERT_EQ(::symlink("loop", dir.file("loop").c_str()), 0);
  EXPECT_NE(testing::error_message<IoError>([&] { save_npy(dir.file("loop"), sample()); }).find("symbolic links"),
            std::string::npos);
}

TEST(OutputFiles, CharacterDeviceIsWrittenNeverReplaced) {
  TempDir dir;
  // A private /dev/null where root may make one, else the real one (which only root could
  // replace).
  std::string null_path = "/dev/null";
  if (::geteuid() == 0) {
    null_path = dir.file("null");
    ASSERT_EQ(::mknod(null_path.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0)
        << std::strerror(errno);
  }
  save_npy(null_path, sample());
  const struct stat st = stat_of(null_path);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_TRUE(S_ISCHR(stat_of("/dev/null").st_mode));
  // A symlink to the device reaches the device too.
  ASSERT_EQ(::symlink(null_path.c_str(), dir.file("to_null").c_str()), 0);
  save_npy(dir.file("to_null"), sample());
  EXPECT_TRUE(S_ISCHR(stat_of(null_path).st_mode));
}

TEST(OutputFiles, FullDeviceReportsNoSpace) {
  std::string message = testing::error_message<IoError>([] { save_npy("/dev/full", sample()); });
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_NE(message.find("'/dev/full'"), std::string::npos) << message;
  EXPECT_TRUE(S_ISCHR(stat_of("/dev/full").st_mode));
}

TEST(OutputFiles, FifoReaderGetsTheWholeFile) {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_bytes(fifo); });
  save_npy(fifo, sample());
  reader.join();
  EXPECT_EQ(received, serialize_npy(sample()));
  EXPECT_TRUE(S_ISFIFO(stat_of(fifo).st_mode));
}

TEST(OutputFiles, SocketDirectoryAndBlockDeviceAreRefused) {
  TempDir dir;
  const std::string sock = dir.file("sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string message = testing::error_message<IoError>([&] { save_npy(sock, sample()); });
  EXPECT_NE(message.find("it is a socket"), std::string::npos) << message;
  EXPECT_NE(message.find("regular files, character devices or FIFOs"), std::string::npos);
  EXPECT_TRUE(S_ISSOCK(stat_of(sock).st_mode));
  ::close(fd);
  std::filesystem::create_directory(dir.path() / "d");
  message = testing::error_message<IoError>([&] { save_npy(dir.file("d"), sample()); });
  EXPECT_NE(message.find("it is a directory"), std::string::npos) << message;
  if (::geteuid() == 0) {
    ASSERT_EQ(::mknod(dir.file("blk").c_str(), S_IFBLK | 0600, makedev(7, 200)), 0);
    message = testing::error_message<IoError>([&] { save_npy(dir.file("blk"), sample()); });
    EXPECT_NE(message.find("it is a block device"), std::string::npos) << message;
    EXPECT_TRUE(S_ISBLK(stat_of(dir.file("blk")).st_mode));
  }
  std::vector<std::string> expected = {"d", "sock"};
  if (::geteuid() == 0) expected.insert(expected.begin(), "blk");
  EXPECT_EQ(dir.entries(), expected);
}

TEST(OutputFiles, LongestNameFitsWithItsTemporary) {
  TempDir dir;
  const std::string name = std::string(250, 'n') + ".npy";  // 254 bytes: NAME_MAX is 255
  save_npy(dir.file(name), sample());
  save_npy(dir.file(name), sample());  // replacing it needs a temporary beside it
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{name}));
  EXPECT_EQ(read_bytes(dir.file(name)), serialize_npy(sample()));
}

TEST(OutputFiles, FailedWriteLeavesTheOldFileAndNoTemporary) {
  TempDir dir;
  write_bytes(dir.file("t.npy"), "old");
  EXPECT_THROW(write_file_atomically(dir.file("t.npy"),
                                     [](std::ostream& out) {
                                       out << "partial";
                                       throw ValueError("stop");
                                     }),
               ValueError);
  EXPECT_EQ(read_bytes(dir.file("t.npy")), "old");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"t.npy"}));
  const std::string message =
      testing::error_message<IoError>([&] { save_npy(std::string("a\0b", 3), sample()); });
  EXPECT_NE(message.find("NUL"), std::string::npos) << message;
}

// A signal handler that calls remove_partial_outputs() (as the CLI's does) leaves no temporary,
// whenever during the write the signal comes.
TEST(OutputFiles, SignalDuringWriteRemovesTheTemporary) {
  TempDir dir;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    struct sigaction action {};
    action.sa_handler = [](int) {
      remove_partial_outputs();
      ::_exit(99);
    };
    ::sigaction(SIGTERM, &action, nullptr);
    write_file_atomically(dir.file("t.npy"), [](std::ostream& out) {
      out << std::string(1 << 20, 'x');
      out.flush();
      ::raise(SIGTERM);
    });
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 99);
  EXPECT_TRUE(dir.entries().empty()) << dir.entries().front();
}

}  // namespace
}  // namespace tinyaccel
