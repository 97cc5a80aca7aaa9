#include "perf/bench/torch_peer.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tinyaccel/errors.hpp"

namespace tinyaccel::perf {
namespace {

// `s` in single quotes for /bin/sh.
std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::vector<std::string> torch_pythons(const std::string& option) {
  if (option == "none") return {};
  if (!option.empty()) return {option};
  std::vector<std::string> found;
  // Debian's python3-torch, then the newest PyPI torch in the checkout's .venv
  // (scripts/peers-venv).
  for (const char* p : {"/usr/bin/python3", ".venv/bin/python"}) {
    if (access(p, X_OK) == 0) found.push_back(p);
  }
  return found;
}

std::optional<std::string> find_peer_script(const std::string& explicit_path,
                                            const std::string& relative) {
  namespace fs = std::filesystem;
  if (!explicit_path.empty()) {
    if (!fs::exists(explicit_path)) {
      throw IoError("PyTorch peer script " + quote(explicit_path) + " does not exist");
    }
    return explicit_path;
  }
  const fs::path rel = relative;
  std::vector<fs::path> bases = {fs::current_path()};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (int up = 0; up < 4 && !ec && exe.has_parent_path(); ++up) {
    exe = exe.parent_path();
    bases.push_back(exe);
  }
  for (const auto& b : bases) {
    if (fs::exists(b / rel)) return (b / rel).string();
  }
  return std::nullopt;
}

TorchPeer run_torch_peer(const std::string& python, const std::string& script, int64_t rows,
                         int64_t cols, int threads, bool quick) {
  TorchPeer p;
  p.python = python;
  const std::string cmd =
      fmt::format("{} {} --rows {} --cols {} --threads {}{} 2>&1", shell_quoted(python),
                  shell_quoted(script), rows, cols, threads, quick ? " --quick" : "");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    p.error = "cannot start " + python;
    return p;
  }
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  const size_t brace = out.rfind("\n{");
  const std::string line = out.substr(brace == std::string::npos ? 0 : brace + 1);
  try {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("error")) {
      p.error = j["error"].get<std::string>();
    } else {
      p.version = j.at("torch_version").get<std::string>();
      p.torch_ms = j.at("median_ms").get<double>();
    }
  } catch (const std::exception&) {
    const std::string first = out.substr(0, out.find('\n'));
    p.error = fmt::format("exit status {}: {}", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                          first.empty() ? "no output" : first);
  }
  return p;
}

}  // namespace tinyaccel::perf
