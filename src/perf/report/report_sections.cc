#include "perf/report/report_sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "perf/render/render.hpp"
#include "perf/roofline/placement_cells.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel::perf {
namespace {

std::string num(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

// The Markdown image line of chart `name` when it was written, else nothing.
std::string image(const Report& r, const std::string& name, const std::string& title) {
  if (std::find(r.plots.begin(), r.plots.end(), name) == r.plots.end()) return "";
  return fmt::format("![{}]({}.svg)\n\n", title, name);
}

// A histogram of labelled values (one bar each).
std::string bar_chart(const std::string& title, const std::string& ylabel,
                      const std::string& colour,
                      const std::vector<std::pair<std::string, double>>& bars) {
  std::string data;
  for (const auto& [label, value] : bars) {
    data += fmt::format("{} {}\n", gnuplot_quoted(label), value);
  }
  return fmt::format(
      "set title {}\nset style data histograms\nset style fill solid 0.8\nset boxwidth 0.7\n"
      "set ylabel {}\nset yrange [0:*]\nset grid ytics\nset xtics rotate by -30\n"
      "$d << EOD\n{}EOD\nplot $d using 2:xtic(1) notitle lc rgb '{}'\n",
      gnuplot_quoted(title), gnuplot_quoted(ylabel), data, colour);
}

// ---- system ----------------------------------------------------------------------------------

Table system_table(const Report& r) {
  const SystemInfo& info = *r.system;
  std::string caches;
  for (const auto& c : info.caches) {
    caches += fmt::format("{}L{} {} KiB", caches.empty() ? "" : ", ", c.level, c.size_bytes / 1024);
  }
  return Table(
      {"machine", ""},
      {{"CPU", info.cpu_model},
       {"cores / logical CPUs available",
        fmt::format("{} / {}", info.physical_cores_available, info.logical_cpus_available)},
       {"ISA (detected / active)",
        fmt::format("{} / {}", isa_name(info.detected_isa), isa_name(info.active_isa))},
       {"caches", caches},
       {"BLAS", info.blas.config},
       {"threads used", std::to_string(r.threads)},
       {"build", info.build_type + ", " + info.compiler},
       {"OS", info.os}});
}

// ---- roofline --------------------------------------------------------------------------------

Table ceilings_table(const RooflineReport& roof) {
  Table table({"ceiling", "measured"});
  for (const auto& c : roof.roofs.compute) {
    if (c.threads != roof.roofs.threads) continue;
    table.add_row({fmt::format("{} {} FMA peak", isa_name(c.isa), dtype_name(c.dtype)),
                   num(c.gflops(), 1) + " GFLOP/s"});
  }
  for (const auto& p : roof.roofs.memory) {
    table.add_row(
        {fmt::format("{} bandwidth ({}..{} KiB)", p.level, p.min_bytes / 1024, p.max_bytes / 1024),
         num(p.gbs, 1) + " GB/s"});
  }
  return table;
}

Table kernels_table(const RooflineReport& roof) {
  Table table({"kernel", "FLOP/B", "GFLOP/s", "level", "roof GFLOP/s", "eff", "bound"});
  for (const auto& p : roof.placements) {
    table.add_row({p.point.name, num(p.intensity, 2), num(p.gflops, 1), level_cell(p),
                   num(p.attainable_gflops, 1), efficiency_cell(p), bound_name(p.bound)});
  }
  return table;
}

// Under a table of placed points: the flagged ones with their reasons, a Markdown list.
std::string flagged_markdown(const std::vector<Placement>& points) {
  const std::string notes = flag_notes(
      points, "**Flagged**: above every roof they could belong to, so the efficiency (marked *) "
              "is not one:\n\n");
  return notes.empty() ? notes : notes + "\n";
}

constexpr const char* kLevelNote =
    "Level: the cache the working set fits in at this thread count (L1/L2 per core, L3 "
    "shared); *by rate*: the measured bandwidth shows a faster level it can reach served it; "
    "*no L3 roof*: that level was not measured, the next slower one is used.\n\n";

// ---- matmul ----------------------------------------------------------------------------------

// GFLOP/s by problem (rows) and backend (columns); "not run" where a backend was skipped.
Table scaling_table(const MatmulBench& m) {
  std::vector<std::string> backends, sizes;
  std::map<std::pair<std::string, std::string>, double> gflops;
  for (const auto& row : m.results) {
    const std::string size = row.shape.label(), backend = backend_name(row.backend);
    if (std::find(sizes.begin(), sizes.end(), size) == sizes.end()) sizes.push_back(size);
    if (std::find(backends.begin(), backends.end(), backend) == backends.end()) {
      backends.push_back(backend);
    }
    gflops[{size, backend}] = row.gflops;
  }
  std::vector<std::string> headers = {"M×K×N"};
  for (const auto& b : backends) headers.push_back(b + " GFLOP/s");
  Table table(headers);
  for (const auto& s : sizes) {
    std::vector<std::string> row = {s};
    for (const auto& b : backends) {
      auto it = gflops.find({s, b});
      row.push_back(it == gflops.end() ? "not run" : num(it->second, 1));
    }
    table.add_row(row);
  }
  return table;
}

// GFLOP/s against N for the square problems, one line per backend, the FMA peak dashed.
std::string scaling_chart(const MatmulBench& m) {
  std::string program =
      "set title 'matmul GFLOP/s by backend (square N×N×N)'\nset logscale x 2\nset logscale y 10\n"
      "set xlabel 'N'\nset ylabel 'GFLOP/s'\nset key left top\nset grid\n";
  std::vector<Backend> backends;
  for (const auto& row : m.results) {
    if (std::find(backends.begin(), backends.end(), row.backend) == backends.end()) {
      backends.push_back(row.backend);
    }
  }
  std::string plots;
  for (Backend b : backends) {
    const std::string name = backend_name(b);
    program += "$" + name + " << EOD\n";
    int points = 0;
    for (const auto& row : m.results) {
      const MatmulShape& s = row.shape;
      if (row.backend == b && s.m == s.n && s.k == s.n) {
        program += fmt::format("{} {}\n", s.n, row.gflops);
        ++points;
      }
    }
    program += "EOD\n";
    if (points > 0) {
      plots += fmt::format("{}${} using 1:2 with linespoints lw 2 title '{}'",
                           plots.empty() ? "" : ", ", name, name);
    }
  }
  if (plots.empty()) return "";
  if (m.peak_gflops > 0) {
    plots += fmt::format(", {} with lines dt 2 lc rgb 'black' title 'FMA peak'", m.peak_gflops);
  }
  return program + "plot " + plots + "\n";
}

// ---- fusion ----------------------------------------------------------------------------------

Table fusion_table(const FusionBench& f) {
  Table table({"op", "size", "fused ms", "unfused ms", "speedup", "GB/s", "level", "% roof"});
  for (const auto& row : f.rows) {
    table.add_row({row.op, row.size, num(row.fused_ms, 3), num(row.unfused_ms, 3),
                   num(row.speedup(), 1) + "×", num(row.gbs, 1), level_cell(row.placement),
                   efficiency_cell(row.placement)});
  }
  return table;
}

// The largest size's label ("" when there are no rows).
std::string largest_size(const FusionBench& f) {
  std::string largest;
  int64_t most = 0;
  for (const auto& row : f.rows) {
    if (row.numel() > most) {
      most = row.numel();
      largest = row.size;
    }
  }
  return largest;
}

// The fused kernels' flags, and where their roofs come from.
std::string fusion_notes(const FusionBench& f) {
  std::vector<Placement> placed;
  for (const auto& row : f.rows) placed.push_back(row.placement);
  return "GB/s: the op's declared bytes over the fused kernel's time; level and % roof: that "
         "kernel placed on the roofline's roofs like every other point.\n\n" +
         flagged_markdown(placed);
}

std::string peers_markdown(const FusionBench& f) {
  std::string out;
  for (const TorchPeer& p : f.peers) {
    out += p.error.empty() ? fmt::format(
                                 "PyTorch {} (`{}`) gelu(approximate='tanh') on 2000x2000 float32: "
                                 "{:.3f} ms vs fused_gelu {:.3f} ms: **{:.2f}×**.\n\n",
                                 p.version, p.python, p.torch_ms, p.fused_ms, p.speedup())
                           : fmt::format("PyTorch peer (`{}`): not run: {}\n\n", p.python, p.error);
  }
  return out;
}

// ---- transformer -----------------------------------------------------------------------------

Table layers_table(const ForwardProfile& p) {
  Table table({"layer", "ms", "share", "GFLOP", "FLOP/B", "GFLOP/s", "level", "eff", "bound",
               "recommendation"});
  for (const auto& l : p.layers) {
    const auto& pl = l.placement;
    table.add_row({l.name, num(l.timing.median_s * 1e3, 3), num(100 * l.time_share, 1) + "%",
                   num(pl.point.cost.flops * 1e-9, 3), num(pl.intensity, 1), num(pl.gflops, 1),
                   level_cell(pl), efficiency_cell(pl), l.bound, l.recommendation});
  }
  return table;
}

// The block with bfloat16/int8 weights next to the float32 one (ReportOptions::precisions).
Table precisions_table(const TransformerComparison& t) {
  Table table({"weights", "total ms", "x float32", "GFLOP/s", "parameters MiB"});
  const auto row = [&](const ForwardProfile& p) {
    const double ms = p.total.median_s * 1e3;
    table.add_row({dtype_name(p.precision), num(ms, 2),
                   num(p.total.median_s > 0 ? t.accelerated.total.median_s / p.total.median_s : 0,
                       2),
                   num(p.total.median_s > 0 ? p.flops * 1e-9 / p.total.median_s : 0, 1),
                   num(p.memory.parameter_bytes / 1048576.0, 1)});
  };
  row(t.accelerated);
  for (const auto& [run, profile] : t.precisions) row(profile);
  return table;
}

std::string precisions_text(const TransformerComparison& t) {
  if (t.precisions.empty()) return "";
  std::string out = "== transformer block by weight precision (LayerNorm, attention, softmax "
                    "float32)\n" + precisions_table(t).render();
  for (const auto& [run, profile] : t.precisions) out += "\n" + profile_text(profile);
  return out + "\n";
}

std::string transformer_markdown(const Report& r) {
  const TransformerComparison& t = *r.transformer;
  const ForwardProfile& fast = t.accelerated;
  const nn::TransformerConfig& c = t.run.config;
  std::string out = fmt::format(
      "## Transformer block (pre-LN, d_model {}, {} heads, ffn {}, seq {}, batch {}, {}, {} "
      "threads)\n\n"
      "Total **{:.2f} ms** median of {} passes ({:.1f} GFLOP/s over {:.2f} GFLOP; CV {:.1f}%). "
      "Parameters {:.1f} MiB, activation peak {:.1f} MiB.\n\n",
      c.d_model, c.heads, c.ffn, t.run.seq, t.run.batch, dtype_name(c.dtype), fast.threads,
      fast.total.median_s * 1e3, fast.total.samples,
      fast.total.median_s > 0 ? fast.flops * 1e-9 / fast.total.median_s : 0.0, fast.flops * 1e-9,
      100 * fast.total.cv, fast.memory.parameter_bytes / 1048576.0,
      fast.memory.activation_peak_bytes / 1048576.0);
  out += layers_table(fast).markdown() + "\n";
  std::vector<Placement> placed;
  for (const auto& l : fast.layers) placed.push_back(l.placement);
  out += flagged_markdown(placed);
  out += fmt::format(
      "**Naive twin vs accelerated**, both at seq {} with the same weights: naive {:.1f} ms "
      "(one pass) vs accelerated {:.2f} ms (median of {}) → **{:.0f}×**. Measured at the reduced "
      "size because the naive twin takes seconds per pass at full length; not extrapolated.\n\n",
      t.small_run.seq, t.naive.total.median_s * 1e3, t.small_accelerated.total.median_s * 1e3,
      t.small_accelerated.total.samples, t.speedup());
  if (!t.precisions.empty()) {
    out += "**By weight precision** (same weights and input; the four Linear layers in that "
           "precision, LayerNorm, attention, softmax and GELU in float32):\n\n" +
           precisions_table(t).markdown() + "\n";
    for (const auto& [run, profile] : t.precisions) {
      out += fmt::format("{} weights, per layer:\n\n", dtype_name(profile.precision)) +
             layers_table(profile).markdown() + "\n";
    }
  }
  out += image(r, "transformer_roofline", "transformer layers on the roofline");
  out += image(r, "transformer_layers", "time per layer");
  return out;
}

}  // namespace

std::string section_text(const Report& r, const std::string& section) {
  if (section == "system") return "== machine\n" + system_table(r).render() + "\n";
  if (section == "roofline") return "== roofline\n" + roofline_text(*r.roofline) + "\n";
  if (section == "matmul") {
    return fmt::format("== matmul scaling ({}, {} threads, FMA peak {:.0f} GFLOP/s)\n",
                       dtype_name(r.matmul->dtype), r.matmul->threads, r.matmul->peak_gflops) +
           scaling_table(*r.matmul).render() + "\n";
  }
  if (section == "cache") return cache_text(*r.cache);
  if (section == "fusion") {
    return "== fusion (fused single pass vs op-by-op with temporaries)\n" +
           fusion_table(*r.fusion).render() + "\n";
  }
  const TransformerComparison& t = *r.transformer;
  return "== transformer block, accelerated\n" + profile_text(t.accelerated) + "\n" +
         fmt::format(
             "== naive twin vs accelerated at seq {} (same weights): naive {:.1f} ms (1 "
             "pass) vs accelerated {:.2f} ms (median of {}): {:.0f}× faster\n\n",
             t.small_run.seq, t.naive.total.median_s * 1e3,
             t.small_accelerated.total.median_s * 1e3, t.small_accelerated.total.samples,
             t.speedup()) +
         precisions_text(t);
}

std::string section_markdown(const Report& r, const std::string& section) {
  if (section == "system") {
    Table table({"", ""}, system_table(r).rows());
    return "## Machine\n\n" + table.markdown() + "\n";
  }
  if (section == "roofline") {
    const RooflineReport& roof = *r.roofline;
    return fmt::format("## Roofline ({}, {} threads)\n\n",
                       r.options.roofline.quick ? "quick" : "full", roof.roofs.threads) +
           ceilings_table(roof).markdown() + "\n" + image(r, "roofline", "roofline") +
           kernels_table(roof).markdown() + "\n" + kLevelNote + flagged_markdown(roof.placements);
  }
  if (section == "matmul") {
    return fmt::format(
               "## Matmul scaling across backends\n\n{}, {} threads; the measured FMA peak "
               "is {:.0f} GFLOP/s. 'not run' = the naive/tiled loops are skipped where one "
               "call would take too long (never extrapolated).\n\n",
               dtype_name(r.matmul->dtype), r.matmul->threads, r.matmul->peak_gflops) +
           scaling_table(*r.matmul).markdown() + "\n" +
           image(r, "matmul_scaling", "matmul scaling");
  }
  if (section == "cache") {
    if (r.cache->rows.empty()) return "## Cache behaviour\n\nNo kernels.\n\n";
    return fmt::format(
               "## Cache behaviour (matmul {0}×{0}×{0}: naive vs tiled vs packed)\n\n"
               "Hit rates per level and the bytes each level served to the one above it "
               "(fills, and write-backs where the source sees them), counted over the kernel "
               "alone.\n\n",
               r.cache->rows.front().cache.kernel.n) +
           cache_table(*r.cache).markdown() + "\n" + cache_sources(*r.cache) +
           "The cache-aware roofline places each level's traffic under that level's roof: "
           "the level whose point sits closest to its roof is the one that limits the kernel."
           "\n\n" +
           image(r, "cache_roofline", "cache-aware roofline");
  }
  if (section == "fusion") {
    return "## Kernel fusion\n\nFused = one pass, no temporaries; unfused = the same math op by "
           "op, every intermediate materialized.\n\n" +
           fusion_table(*r.fusion).markdown() + "\n" + fusion_notes(*r.fusion) +
           peers_markdown(*r.fusion) +
           image(r, "fusion", "fusion speedup");
  }
  return transformer_markdown(r);
}

std::vector<Chart> section_charts(const Report& r, const std::string& section) {
  std::vector<Chart> charts;
  if (section == "roofline") {
    const RooflineReport& roof = *r.roofline;
    charts.push_back(
        {"roofline", "roofline", [&roof](const std::string& p) { write_roofline_plot(roof, p); }});
  } else if (section == "matmul") {
    const std::string program = scaling_chart(*r.matmul);
    if (!program.empty()) {
      charts.push_back({"matmul_scaling", "matmul scaling",
                        [program](const std::string& p) { write_gnuplot(p, program); }});
    }
  } else if (section == "cache") {
    if (!r.cache->rows.empty()) charts.push_back(cache_chart(r));
  } else if (section == "fusion") {
    const std::string largest = largest_size(*r.fusion);
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& row : r.fusion->rows) {
      if (row.size == largest) bars.emplace_back(row.op, row.speedup());
    }
    if (!bars.empty()) {
      const std::string program =
          bar_chart("fusion speedup (unfused / fused) at " + largest, "speedup ×", "#3a7bd5", bars);
      charts.push_back({"fusion", "fusion speedup",
                        [program](const std::string& p) { write_gnuplot(p, program); }});
    }
  } else if (section == "transformer") {
    const TransformerComparison& t = *r.transformer;
    // The layers on the roofs they were placed on (the roofline section's when it ran).
    auto layers = std::make_shared<RooflineReport>();
    if (r.roofline) layers->metadata = r.roofline->metadata;
    layers->roofs = t.roofs;
    for (const auto& l : t.accelerated.layers) layers->placements.push_back(l.placement);
    charts.push_back({"transformer_roofline", "transformer layers on the roofline",
                      [layers](const std::string& p) { write_roofline_plot(*layers, p); }});
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& l : t.accelerated.layers) bars.emplace_back(l.name, l.timing.median_s * 1e3);
    const std::string program =
        bar_chart("transformer block: time per layer (ms)", "ms", "#d5793a", bars);
    charts.push_back({"transformer_layers", "time per layer",
                      [program](const std::string& p) { write_gnuplot(p, program); }});
  }
  return charts;
}

}  // namespace tinyaccel::perf
