#include "report_output.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <tinyaccel/errors.hpp>

#include "core/atomic_file.hpp"

extern char** environ;

namespace tinyaccel::cli {
namespace {

bool numeric(const std::string& cell) {
  return !cell.empty() && (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' ||
                           cell[0] == '+');
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Runs argv, stdout to `out_path` (or /dev/null), stderr to `err_path` (or inherited); returns
// the exit status, or -1 with errno-derived text in `why` when it could not start.
int spawn_wait(const std::vector<std::string>& args, const char* out_path, const char* err_path,
               std::string& why) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path ? out_path : "/dev/null",
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (err_path != nullptr) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    why = std::strerror(rc);
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_path(const char* stem) {
  std::string tmpl = std::string("/tmp/tinyaccel-report-") + stem + "-XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw IoError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  close(fd);
  return tmpl;
}

}  // namespace

std::string markdown_table(const std::vector<std::string>& headers,
                           const std::vector<std::vector<std::string>>& rows) {
  std::vector<bool> right(headers.size(), true);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < right.size(); ++c) {
      if (!row[c].empty() && !numeric(row[c])) right[c] = false;
    }
  }
  std::string out = "|";
  for (const auto& h : headers) out += " " + h + " |";
  out += "\n|";
  for (size_t c = 0; c < headers.size(); ++c) out += right[c] ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (size_t c = 0; c < headers.size(); ++c) out += " " + (c < row.size() ? row[c] : "") + " |";
    out += "\n";
  }
  return out;
}

void write_gnuplot(const std::string& path, const std::string& program) {
  std::string terminal;
  if (ends_with(path, ".svg")) {
    terminal = "svg size 1000,600 dynamic font 'sans,12' background rgb 'white'";
  } else if (ends_with(path, ".png")) {
    terminal = "pngcairo size 1200,720 font 'sans,11' background rgb 'white'";
  } else {
    throw ValueError("plot file '" + path + "' must end in .svg or .png");
  }
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const std::string script = temp_path("plot"), errors = script + ".err";
  auto cleanup = [&] {
    std::remove(script.c_str());
    std::remove(errors.c_str());
    std::remove(tmp.c_str());
  };
  try {
    write_file_atomically(script, "set terminal " + terminal + "\nset output '" + tmp + "'\n" +
                                      program + "\nunset output\n");
    std::string why;
    const int status = spawn_wait({"gnuplot", script}, nullptr, errors.c_str(), why);
    if (status < 0) {
      throw IoError("cannot write '" + path + "': cannot run gnuplot (" + why +
                    "); install it with scripts/setup");
    }
    if (status != 0 || access(tmp.c_str(), F_OK) != 0) {
      std::string first = read_all(errors);
      first = first.substr(0, first.find('\n'));
      throw IoError("cannot write '" + path + "': gnuplot failed" +
                    (first.empty() ? std::string() : ": " + first));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw IoError("cannot write '" + path + "': " + std::strerror(errno));
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

std::string run_self(const std::vector<std::string>& args) {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) throw IoError(std::string("cannot find this executable: ") + std::strerror(errno));
  self[len] = '\0';
  std::vector<std::string> argv = {self};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = "tinyaccel";
  for (const auto& a : args) command += " " + a;
  const std::string out = temp_path("out");
  std::string why;
  const int status = spawn_wait(argv, out.c_str(), nullptr, why);
  std::string text = read_all(out);
  std::remove(out.c_str());
  if (status < 0) throw IoError("cannot run '" + command + "': " + why);
  if (status != 0) {
    throw IoError("'" + command + "' failed with exit status " + std::to_string(status));
  }
  return text;
}

}  // namespace tinyaccel::cli
