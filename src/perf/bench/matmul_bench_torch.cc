// PyTorch's matmul in another interpreter, sampled on request (matmul_bench_peers.hpp). The
// protocol, over a socket pair that is the script's stdin and stdout: the script prints one
// JSON line ({"ready": true, "torch_version": ...} or {"error": ...}); then each line we send
// holding a count N makes it time N calls and answer with the seconds per call; closing the
// socket ends it. A socket (not a pipe) so that writing to a peer that died is an error
// (MSG_NOSIGNAL), not a SIGPIPE.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "perf/bench/matmul_bench_peers.hpp"

extern char** environ;

namespace tinyaccel::perf {
namespace {

constexpr int kStartTimeoutMs = 180000;  // importing a CUDA build of torch takes a while
constexpr int kSampleTimeoutMs = 120000;

}  // namespace

TorchMatmulPeer::TorchMatmulPeer(const std::string& python, const std::string& script,
                                 const MatmulShape& shape, DType dtype, int threads) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    error_ = std::string("socketpair: ") + std::strerror(errno);
    return;
  }
  const std::vector<std::string> args = {python,
                                         script,
                                         "--m",
                                         std::to_string(shape.m),
                                         "--k",
                                         std::to_string(shape.k),
                                         "--n",
                                         std::to_string(shape.n),
                                         "--threads",
                                         std::to_string(threads),
                                         "--dtype",
                                         dtype_name(dtype)};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"OMP_WAIT_POLICY=PASSIVE"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "OMP_WAIT_POLICY=", 16) != 0) env_strings.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawnp(&pid_, python.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(sv[1]);
  fd_ = sv[0];
  if (rc != 0) {
    pid_ = -1;
    error_ = "cannot start " + python + ": " + std::strerror(rc);
    return;
  }
  const std::optional<std::string> line = read_line(kStartTimeoutMs);
  if (!line) {
    if (error_.empty()) error_ = python + " exited without a word (is it a Python?)";
    return;
  }
  try {
    const auto j = nlohmann::json::parse(*line);
    if (j.contains("error")) {
      error_ = j["error"].get<std::string>();
    } else {
      version_ = j.at("torch_version").get<std::string>();
    }
  } catch (const std::exception&) {
    error_ = python + ": unexpected output: " + line->substr(0, 200);
  }
}

TorchMatmulPeer::~TorchMatmulPeer() {
  if (fd_ >= 0) close(fd_);  // EOF on its stdin: it exits
  if (pid_ > 0) {
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20000);
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
}

std::optional<std::string> TorchMatmulPeer::read_line(int timeout_ms) {
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready <= 0) {
      error_ = ready == 0 ? "no answer within " + std::to_string(timeout_ms / 1000) + " s"
                          : std::string("poll: ") + std::strerror(errno);
      return std::nullopt;
    }
    char chunk[4096];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

std::optional<double> TorchMatmulPeer::sample(int calls) {
  if (!ok()) return std::nullopt;
  const std::string request = std::to_string(calls) + "\n";
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    error_ = "the PyTorch peer stopped";
    return std::nullopt;
  }
  const std::optional<std::string> line = read_line(kSampleTimeoutMs);
  if (!line) {
    if (error_.empty()) error_ = "the PyTorch peer stopped";
    return std::nullopt;
  }
  try {
    return std::stod(*line);
  } catch (const std::exception&) {
    error_ = "the PyTorch peer answered " + quote(line->substr(0, 200));
    return std::nullopt;
  }
}

}  // namespace tinyaccel::perf
