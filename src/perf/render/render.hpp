// Charts for the perf writers, drawn by gnuplot (tables: tinyaccel/table.hpp).
#pragma once

#include <string>

namespace tinyaccel::perf {

// Image sizes in pixels for the two formats write_gnuplot renders.
struct PlotCanvas {
  int svg_width = 1000, svg_height = 600;
  int png_width = 1200, png_height = 720;
  // PNG text size relative to the program's font sizes: png_width / svg_width keeps text the
  // same share of the canvas in both, so a layout computed for the SVG holds in the PNG.
  double png_fontscale = 1.0;
  // SVG: gnuplot's standalone mouse terminal (its script embedded, no files beside it), so
  // `hypertext` labels show on hover; each also gets a native <title> tooltip, which needs no
  // script at all (viewers that block scripts still show it).
  bool interactive = false;
};

// Gives every gnuplot hypertext element of an SVG a <title> with its text (gnuplot writes an
// empty one), so the tooltip also works where scripts do not run. Other text is unchanged.
std::string svg_with_titles(const std::string& svg);

// Renders a gnuplot program (everything after `set terminal` / `set output`, data inline) to
// `path`; the terminal follows the extension (.svg or .png, else ValueError). gnuplot writes a
// temporary next to `path` that is renamed over it only when complete. IoError naming the path
// when gnuplot is missing or fails (with its last error line).
void write_gnuplot(const std::string& path, const std::string& program,
                   const PlotCanvas& canvas = {});

// `s` as a double-quoted gnuplot string.
std::string gnuplot_quoted(const std::string& s);

}  // namespace tinyaccel::perf
