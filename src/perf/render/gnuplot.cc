#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "perf/render/render.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

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
  const int pid = spawn_process({"gnuplot", script}, {}, "", errors, why);
  return pid < 0 ? -1 : wait_process(pid);
}

}  // namespace

std::string svg_with_titles(const std::string& svg) {
  // gnuplot 5.4 writes each hypertext element as
  //   <g onmousemove="gnuplot_svg.showHypertext(evt,'TEXT')" onmouseout="..."><title> </title>
  // with TEXT escaped for XML and then for a JavaScript string ('\n' for a line break).
  static const std::string kOpen = "showHypertext(evt,'", kEmpty = "<title> </title>";
  std::string out;
  size_t at = 0;
  for (size_t start; (start = svg.find(kOpen, at)) != std::string::npos;) {
    const size_t text = start + kOpen.size();
    size_t end = text;
    while (end < svg.size() && svg[end] != '\'') end += svg[end] == '\\' ? 2 : 1;
    const size_t title = svg.find(kEmpty, end);
    if (end >= svg.size() || title == std::string::npos || svg.find('\n', end) < title) {
      break;  // not the form above: leave the rest as it is
    }
    std::string plain;
    for (size_t i = text; i < end; ++i) {
      if (svg[i] == '\\' && i + 1 < end) {
        ++i;
        plain += svg[i] == 'n' ? '\n' : svg[i];
      } else {
        plain += svg[i];
      }
    }
    out.append(svg, at, title - at);
    out += "<title>" + plain + "</title>";
    at = title + kEmpty.size();
  }
  out.append(svg, at, std::string::npos);
  return out;
}

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
  const bool svg = ends_with(path, ".svg");
  if (svg) {
    terminal = fmt::format("svg size {},{} dynamic {}font 'sans,12' background rgb 'white'",
                           canvas.svg_width, canvas.svg_height,
                           canvas.interactive ? "mouse standalone " : "");
  } else if (ends_with(path, ".png")) {
    terminal = fmt::format("pngcairo size {},{} font 'sans,11' fontscale {} background rgb 'white'",
                           canvas.png_width, canvas.png_height, canvas.png_fontscale);
  } else {
    throw ValueError("plot file '" + path + "' must end in .svg or .png");
  }
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  char script[] = "/tmp/tinyaccel-plot-XXXXXX";
  const int fd = mkstemp(script);
  if (fd < 0) throw IoError(std::string("cannot create a gnuplot script: ") + std::strerror(errno));
  close(fd);
  const std::string errors = std::string(script) + ".err";
  auto cleanup = [&] {
    std::remove(script);
    std::remove(errors.c_str());
    std::remove(tmp.c_str());
  };
  try {
    write_file_atomically(script, "set terminal " + terminal + "\nset output " +
                                      gnuplot_quoted(tmp) + "\n" + program + "\nunset output\n");
    std::string why;
    const int status = run_gnuplot(script, errors, why);
    if (status < 0) {
      throw IoError("cannot write '" + path + "': cannot run gnuplot (" + why +
                    "); install it with scripts/setup");
    }
    if (status != 0 || access(tmp.c_str(), F_OK) != 0) {
      // gnuplot echoes the offending line first; its last line says what was wrong.
      const std::string last = last_line_of(errors);
      throw IoError("cannot write '" + path + "': gnuplot failed" +
                    (last.empty() ? std::string() : ": " + last));
    }
    if (svg && canvas.interactive) write_file_atomically(tmp, svg_with_titles(read_all(tmp)));
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw IoError("cannot write '" + path + "': " + std::strerror(errno));
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace tinyaccel::perf
