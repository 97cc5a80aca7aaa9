#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "perf/render/render.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

extern char** environ;

namespace tinyaccel::perf {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `gnuplot script`, stdout to /dev/null and stderr to `errors`; returns the exit status,
// or -1 with the reason in `why` when it could not start.
int run_gnuplot(const std::string& script, const std::string& errors, std::string& why) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string arg0 = "gnuplot", arg1 = script;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
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

}  // namespace

std::string gnuplot_quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

void write_gnuplot(const std::string& path, const std::string& program, const PlotCanvas& canvas) {
  std::string terminal;
  if (ends_with(path, ".svg")) {
    terminal = fmt::format("svg size {},{} dynamic font 'sans,12' background rgb 'white'",
                           canvas.svg_width, canvas.svg_height);
  } else if (ends_with(path, ".png")) {
    terminal = fmt::format("pngcairo size {},{} font 'sans,11' background rgb 'white'",
                           canvas.png_width, canvas.png_height);
  } else {
    throw ValueError("plot file " + quote(path) + " must end in .svg or .png");
  }
  // gnuplot draws into a private directory; the image then goes to `path` like every output
  // (write_file_atomically: symlinks followed, devices written, never a partial file).
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") +
                    "/tinyaccel-plot-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    throw IoError("cannot write " + quote(path) + ": cannot create a directory for gnuplot: " +
                  std::strerror(errno));
  }
  const std::string script = dir + "/plot.gp", errors = dir + "/errors.txt",
                    image = dir + "/image";
  auto cleanup = [&] {
    for (const std::string& f : {script, errors, image}) std::remove(f.c_str());
    rmdir(dir.c_str());
  };
  try {
    write_file_atomically(script, "set terminal " + terminal + "\nset output " +
                                      gnuplot_quoted(image) + "\n" + program + "\nunset output\n");
    std::string why;
    const int status = run_gnuplot(script, errors, why);
    if (status < 0) {
      throw IoError("cannot write " + quote(path) + ": cannot run gnuplot (" + why +
                    "); install it with scripts/setup");
    }
    if (status != 0 || access(image.c_str(), F_OK) != 0) {
      // gnuplot echoes the offending line first; its last line says what was wrong.
      std::string last = read_all(errors);
      last.erase(last.find_last_not_of("\n ") + 1);
      last = last.substr(last.rfind('\n') + 1);
      throw IoError("cannot write " + quote(path) + ": gnuplot failed" +
                    (last.empty() ? std::string() : ": " + quote(last)));
    }
    write_file_atomically(path, read_all(image));
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace tinyaccel::perf
