#include "perf/render/label_layout.hpp"

#include <cmath>

namespace tinyaccel::perf {
namespace {

Box marker_box(const LabelRequest& l) {
  return {l.x - l.radius, l.y - l.radius, l.x + l.radius, l.y + l.radius};
}

bool inside(const Box& b, const Box& area) {
  return b.x0 >= area.x0 && b.x1 <= area.x1 && b.y0 >= area.y0 && b.y1 <= area.y1;
}

// Candidate boxes for one label, nearest first. The first four touch the marker; the rest
// sit on rings of growing radius, 16 directions each, and need a leader line.
std::vector<LabelSpot> candidates(const LabelRequest& l) {
  const double gap = l.radius + 0.004;
  const double w = l.width, h = l.height;
  std::vector<LabelSpot> out;
  auto add = [&](double x0, double yc, bool leader) {
    LabelSpot s;
    s.box = {x0, yc - h / 2, x0 + w, yc + h / 2};
    s.leader = leader;
    // The leader meets the box at the middle of its nearer vertical edge.
    s.leader_x = x0 >= l.x ? x0 : x0 + w;
    s.leader_y = yc;
    out.push_back(s);
  };
  add(l.x + gap, l.y, false);              // right
  add(l.x - gap - w, l.y, false);          // left
  add(l.x - w / 2, l.y + gap + h / 2, false);  // above
  add(l.x - w / 2, l.y - gap - h / 2, false);  // below
  constexpr double kPi = 3.14159265358979323846;
  for (int ring = 1; ring <= 12; ++ring) {
    const double r = gap + ring * 1.6 * h;
    for (int d = 0; d < 16; ++d) {
      // Right side first, alternating above and below, then the left side.
      const int k = d % 2 == 0 ? d / 2 : -(d + 1) / 2;  // 0, -1, 1, -2, 2, ...
      const double angle = (d < 8 ? 0.0 : kPi) + k * kPi / 10 * (d < 8 ? 1 : -1);
      const double cx = l.x + r * std::cos(angle), cy = l.y + r * std::sin(angle);
      add(std::cos(angle) >= 0 ? cx : cx - w, cy, true);
    }
  }
  return out;
}

}  // namespace

std::vector<LabelSpot> layout_labels(const std::vector<LabelRequest>& labels, const Box& area,
                                     const std::vector<Box>& occupied) {
  std::vector<Box> markers;
  for (const LabelRequest& l : labels) markers.push_back(marker_box(l));
  std::vector<Box> taken = occupied;
  std::vector<LabelSpot> out;
  for (const LabelRequest& l : labels) {
    LabelSpot chosen;
    for (const LabelSpot& c : candidates(l)) {
      if (!inside(c.box, area)) continue;
      bool free = true;
      for (const Box& t : taken) free = free && !c.box.overlaps(t);
      for (const Box& m : markers) free = free && !c.box.overlaps(m);
      if (free) {
        chosen = c;
        chosen.placed = true;
        break;
      }
    }
    if (chosen.placed) taken.push_back(chosen.box);
    out.push_back(chosen);
  }
  return out;
}

double text_width(const std::string& text, double font_px, double canvas_px) {
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;  // UTF-8 code points
  return static_cast<double>(chars) * 0.6 * font_px / canvas_px;
}

double text_height(double font_px, double canvas_px) { return 1.3 * font_px / canvas_px; }

}  // namespace tinyaccel::perf
