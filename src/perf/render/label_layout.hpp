// Labels beside points that never overlap: a pure layout on screen coordinates (fractions of
// the canvas, y up), so charts can be tested without rendering them.
#pragma once

#include <string>
#include <vector>

namespace tinyaccel::perf {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // x0 <= x1, y0 <= y1
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

struct LabelRequest {
  double x = 0, y = 0;           // the point it names
  double width = 0, height = 0;  // the text's extent
  double radius = 0;             // the point marker's radius (kept clear of every label)
};

struct LabelSpot {
  bool placed = false;  // false: no free spot was found (the caller numbers it instead)
  Box box;              // where the text goes
  bool leader = false;  // far from its point: draw a line from the point to (leader_x, y)
  double leader_x = 0, leader_y = 0;
};

// Places each label, in order, at the first free candidate spot: right of its point, left,
// above, below, then further out on a widening ring of directions (with a leader line). A spot
// is free when it lies inside `area` and overlaps no other label's box and no point's marker.
// Deterministic; placed boxes never overlap each other, any marker or any `occupied` box.
std::vector<LabelSpot> layout_labels(const std::vector<LabelRequest>& labels, const Box& area,
                                     const std::vector<Box>& occupied = {});

// Text extent estimate for sans-serif at `font_px` on a canvas `canvas_px` wide/high, as a
// fraction of the canvas (a generous 0.6 em per character, 1.3 em per line).
double text_width(const std::string& text, double font_px, double canvas_px);
double text_height(double font_px, double canvas_px);

}  // namespace tinyaccel::perf
