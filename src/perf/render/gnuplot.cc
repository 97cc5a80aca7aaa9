#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
      const std::string last = last_line_of(errors);
      throw IoError("cannot write " + quote(path) + ": gnuplot failed" +
                    (last.empty() ? std::string() : ": " + quote(last)));
    }
    std::string drawn = read_all(image);
    if (svg && canvas.interactive) drawn = svg_with_titles(drawn);
    write_file_atomically(path, drawn);
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace tinyaccel::perf
