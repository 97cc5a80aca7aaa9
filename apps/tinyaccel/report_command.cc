// `tinyaccel report`: the main job. One run that describes the machine, measures its roofline,
// compares the matmul backends and the fused element-wise kernels, and profiles the transformer
// block (accelerated vs naive), then writes a report directory: summary.md (tables + plots),
// report.json (every number), roofline/transformer/matmul/fusion plots as SVG and PNG.
// Key tables go to stdout as each section finishes; progress goes to stderr.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>

#include "command.hpp"
#include "core/atomic_file.hpp"
#include "report_output.hpp"
#include "table.hpp"
#include "transformer_profile.hpp"

namespace {

using nlohmann::json;
using tinyaccel::cli::markdown_table;
using Rows = std::vector<std::vector<std::string>>;

struct Options {
  std::string out = "report";
  bool quick = false;
  int threads = 0;
  int64_t seq = 0;        // 0: 512 (quick: 128)
  int64_t naive_seq = 0;  // 0: 128 (quick: 32)
};

struct Report {
  std::string dir;
  json data = json::object();
  std::string markdown;
  std::vector<std::string> warnings;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  void progress(const std::string& line) const {
    std::cerr << fmt::format("[report {:5.1f}s] {}\n", elapsed(), line);
  }
  void warn(const std::string& what) {
    warnings.push_back(what);
    progress("warning: " + what);
  }
  std::string path(const std::string& name) const {
    return (std::filesystem::path(dir) / name).string();
  }
  // Writes name.svg and name.png; returns the Markdown image line (empty when gnuplot failed).
  std::string plot(const std::string& name, const std::string& title,
                   const std::function<void(const std::string&)>& write) {
    try {
      write(path(name + ".svg"));
      write(path(name + ".png"));
      return fmt::format("![{}]({}.svg)\n\n", title, name);
    } catch (const std::exception& e) {
      warn(fmt::format("plot {} not written: {}", name, e.what()));
      return "";
    }
  }
};

std::string num(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

// ---- 1. system ------------------------------------------------------------------------------

void system_section(Report& r) {
  r.progress("system info");
  const tinyaccel::SystemInfo info = tinyaccel::system_info();
  r.data["system"] = json::parse(tinyaccel::system_info_json(info));
  std::string caches;
  for (const auto& c : info.caches) {
    caches += fmt::format("{}L{} {} KiB", caches.empty() ? "" : ", ", c.level, c.size_bytes / 1024);
  }
  const Rows rows = {
      {"CPU", info.cpu_model},
      {"cores / logical CPUs available", fmt::format("{} / {}", info.physical_cores_available,
                                                     info.logical_cpus_available)},
      {"ISA (detected / active)", fmt::format("{} / {}", tinyaccel::isa_name(info.detected_isa),
                                              tinyaccel::isa_name(info.active_isa))},
      {"caches", caches},
      {"BLAS", info.blas.config},
      {"threads used", std::to_string(tinyaccel::num_threads())},
      {"build", info.build_type + ", " + info.compiler},
      {"OS", info.os},
  };
  tinyaccel::cli::Table table({"machine", ""});
  for (const auto& row : rows) table.add_row(row);
  std::cout << "== machine\n" << table.render() << "\n";
  r.markdown += "## Machine\n\n" + markdown_table({"", ""}, rows) + "\n";
}

// ---- 2. roofline ----------------------------------------------------------------------------

tinyaccel::RooflineReport roofline_section(Report& r) {
  r.progress("roofline (quick): compute and bandwidth probes, kernels placed");
  tinyaccel::RooflineOptions options;
  options.quick = true;
  options.threads = tinyaccel::num_threads();
  options.progress = [&r](const std::string& line) { r.progress(line); };
  tinyaccel::RooflineReport roof = tinyaccel::run_roofline(options);
  r.data["roofline"] = json::parse(tinyaccel::roofline_json(roof));
  tinyaccel::write_file_atomically(r.path("roofline.json"), tinyaccel::roofline_json(roof));
  tinyaccel::write_file_atomically(r.path("roofline.csv"), tinyaccel::roofline_csv(roof));
  for (const auto& w : roof.warnings) r.warnings.push_back("roofline: " + w);
  const std::string text = tinyaccel::roofline_text(roof);
  std::cout << "== roofline\n" << text << "\n";
  Rows ceilings;
  for (const auto& c : roof.roofs.compute) {
    if (c.threads != roof.roofs.threads) continue;
    ceilings.push_back({fmt::format("{} {} FMA peak", tinyaccel::isa_name(c.isa),
                                    tinyaccel::dtype_name(c.dtype)),
                        num(c.gflops(), 1) + " GFLOP/s"});
  }
  for (const auto& p : roof.roofs.memory) {
    ceilings.push_back({fmt::format("{} bandwidth ({}..{} KiB)", p.level, p.min_bytes / 1024,
                                    p.max_bytes / 1024),
                        num(p.gbs, 1) + " GB/s"});
  }
  Rows kernels;
  for (const auto& p : roof.placements) {
    kernels.push_back({p.point.name, num(p.intensity, 2), num(p.gflops, 1), p.level,
                       num(p.attainable_gflops, 1), num(100 * p.efficiency, 0) + "%",
                       tinyaccel::bound_name(p.bound)});
  }
  r.markdown += fmt::format("## Roofline (quick, {} threads)\n\n", roof.roofs.threads);
  r.markdown += markdown_table({"ceiling", "measured"}, ceilings) + "\n";
  r.markdown += r.plot("roofline", "roofline", [&](const std::string& p) {
    tinyaccel::write_roofline_plot(roof, p);
  });
  r.markdown += markdown_table({"kernel", "FLOP/B", "GFLOP/s", "level", "roof GFLOP/s", "eff",
                                "bound"},
                               kernels) +
                "\n";
  return roof;
}

// ---- 3. matmul scaling ------------------------------------------------------------------------

void matmul_section(Report& r, const Options& o) {
  r.progress("matmul scaling across backends (tinyaccel bench matmul --json)");
  std::vector<std::string> args = {"bench", "matmul", "--json", "--threads",
                                   std::to_string(tinyaccel::num_threads())};
  if (o.quick) {
    args.push_back("--quick");
  } else {
    args.insert(args.end(), {"--sizes", "64,128,256,512,1024,2048", "--backends",
                             "naive,tiled,packed,blas", "--naive-max-gflop", "0.3", "--repeats",
                             "3"});
  }
  const json m = json::parse(tinyaccel::cli::run_self(args));
  r.data["matmul"] = m;
  std::vector<std::string> backends;
  std::vector<std::string> sizes;
  std::map<std::pair<std::string, std::string>, double> gflops;
  for (const auto& row : m.at("results")) {
    const std::string size = fmt::format("{}x{}x{}", row.at("m").get<int64_t>(),
                                         row.at("k").get<int64_t>(), row.at("n").get<int64_t>());
    const std::string backend = row.at("backend").get<std::string>();
    if (std::find(sizes.begin(), sizes.end(), size) == sizes.end()) sizes.push_back(size);
    if (std::find(backends.begin(), backends.end(), backend) == backends.end()) {
      backends.push_back(backend);
    }
    gflops[{size, backend}] = row.at("gflops").get<double>();
  }
  std::vector<std::string> headers = {"M×K×N"};
  for (const auto& b : backends) headers.push_back(b + " GFLOP/s");
  Rows rows;
  for (const auto& s : sizes) {
    std::vector<std::string> row = {s};
    for (const auto& b : backends) {
      auto it = gflops.find({s, b});
      row.push_back(it == gflops.end() ? "not run" : num(it->second, 1));
    }
    rows.push_back(row);
  }
  tinyaccel::cli::Table table(headers);
  for (const auto& row : rows) table.add_row(row);
  const double peak = m.value("peak_gflops", 0.0);
  std::cout << fmt::format("== matmul scaling (float32, {} threads, FMA peak {:.0f} GFLOP/s)\n",
                           tinyaccel::num_threads(), peak)
            << table.render() << "\n";
  r.markdown += fmt::format(
      "## Matmul scaling across backends\n\nfloat32, {} threads; the measured FMA peak is {:.0f} "
      "GFLOP/s. 'not run' = the naive/tiled loops are skipped where one call would take too long "
      "(never extrapolated).\n\n",
      tinyaccel::num_threads(), peak);
  r.markdown += markdown_table(headers, rows) + "\n";
  // Square sizes only on the chart: GFLOP/s against N.
  std::string program =
      "set title 'matmul GFLOP/s by backend (square N×N×N)'\nset logscale x 2\nset logscale y 10\n"
      "set xlabel 'N'\nset ylabel 'GFLOP/s'\nset key left top\nset grid\n";
  std::string plots;
  for (const auto& b : backends) {
    program += "$" + b + " << EOD\n";
    int points = 0;
    for (const auto& row : m.at("results")) {
      const int64_t n = row.at("n").get<int64_t>();
      if (row.at("backend") == b && row.at("m").get<int64_t>() == n && row.at("k").get<int64_t>() == n) {
        program += fmt::format("{} {}\n", n, row.at("gflops").get<double>());
        ++points;
      }
    }
    program += "EOD\n";
    if (points > 0) {
      plots += fmt::format("{}${} using 1:2 with linespoints lw 2 title '{}'",
                           plots.empty() ? "" : ", ", b, b);
    }
  }
  if (peak > 0) plots += fmt::format(", {} with lines dt 2 lc rgb 'black' title 'FMA peak'", peak);
  program += "plot " + plots + "\n";
  if (!plots.empty()) {
    r.markdown += r.plot("matmul_scaling", "matmul scaling", [&](const std::string& p) {
      tinyaccel::cli::write_gnuplot(p, program);
    });
  }
}

// ---- 4. fusion --------------------------------------------------------------------------------

void fusion_section(Report& r, const Options& o) {
  r.progress("fusion: fused vs unfused element-wise kernels (tinyaccel bench fusion --json)");
  std::vector<std::string> args = {"bench", "fusion", "--json", "--threads",
                                   std::to_string(tinyaccel::num_threads())};
  if (o.quick) {
    args.insert(args.end(), {"--quick", "--torch", "none"});
  } else {
    args.insert(args.end(), {"--sizes", "64K", "2000x2000"});
  }
  const json f = json::parse(tinyaccel::cli::run_self(args));
  r.data["fusion"] = f;
  Rows rows;
  std::string largest;
  int64_t largest_numel = 0;
  for (const auto& row : f.at("rows")) {
    const int64_t n = row.value("numel", int64_t{0});
    if (n > largest_numel) {
      largest_numel = n;
      largest = row.value("size", "");
    }
  }
  std::string bars;
  for (const auto& row : f.at("rows")) {
    rows.push_back({row.value("op", ""), row.value("size", ""), num(row.value("fused_ms", 0.0), 3),
                    num(row.value("unfused_ms", 0.0), 3), num(row.value("speedup", 0.0), 1) + "×",
                    num(row.value("gbs", 0.0), 1), num(row.value("pct_copy_bw", 0.0), 0) + "%"});
    if (row.value("size", "") == largest) {
      bars += fmt::format("\"{}\" {}\n", row.value("op", ""), row.value("speedup", 0.0));
    }
  }
  const std::vector<std::string> headers = {"op", "size", "fused ms", "unfused ms", "speedup",
                                            "GB/s", "% copy BW"};
  tinyaccel::cli::Table table(headers);
  for (const auto& row : rows) table.add_row(row);
  std::cout << "== fusion (fused single pass vs op-by-op with temporaries)\n"
            << table.render() << "\n";
  r.markdown += "## Kernel fusion\n\nFused = one pass, no temporaries; unfused = the same math op "
                "by op, every intermediate materialized.\n\n" +
                markdown_table(headers, rows) + "\n";
  if (f.contains("torch") && !f["torch"].is_null()) {
    r.markdown += "PyTorch peer: `" + f["torch"].dump() + "`\n\n";
  }
  if (!bars.empty()) {
    const std::string program =
        "set title 'fusion speedup (unfused / fused) at " + largest +
        "'\nset style data histograms\nset style fill solid 0.8\nset boxwidth 0.7\n"
        "set ylabel 'speedup ×'\nset yrange [0:*]\nset grid ytics\nset xtics rotate by -30\n"
        "$d << EOD\n" + bars + "EOD\nplot $d using 2:xtic(1) notitle lc rgb '#3a7bd5'\n";
    r.markdown += r.plot("fusion", "fusion speedup", [&](const std::string& p) {
      tinyaccel::cli::write_gnuplot(p, program);
    });
  }
}

// ---- 5. transformer ---------------------------------------------------------------------------

Rows layer_rows(const tinyaccel::ForwardProfile& p) {
  Rows rows;
  for (const auto& l : p.layers) {
    const auto& pl = l.placement;
    rows.push_back({l.name, num(l.timing.median_s * 1e3, 3), num(100 * l.time_share, 1) + "%",
                    num(pl.point.cost.flops * 1e-9, 3), num(pl.intensity, 1), num(pl.gflops, 1),
                    pl.level, num(100 * pl.efficiency, 0) + "%", l.bound, l.recommendation});
  }
  return rows;
}

void transformer_section(Report& r, const Options& o, const tinyaccel::RooflineReport& roof) {
  using tinyaccel::cli::TransformerRun;
  using tinyaccel::nn::Path;
  TransformerRun run;
  run.seq = o.seq > 0 ? o.seq : (o.quick ? 128 : 512);
  run.profile.warmup = 2;
  run.profile.iterations = o.quick ? 5 : 10;
  r.progress(fmt::format("transformer block 768/12/3072, seq {}, accelerated: {} passes", run.seq,
                         run.profile.warmup + run.profile.iterations));
  const tinyaccel::ForwardProfile fast = tinyaccel::cli::profile_transformer(run, roof.roofs);
  std::cout << "== transformer block, accelerated\n" << tinyaccel::cli::profile_text(fast) << "\n";

  // The naive twin takes seconds per pass at seq 512, so the comparison runs both paths at a
  // reduced sequence length, the naive one for a single timed pass.
  TransformerRun small = run;
  small.seq = o.naive_seq > 0 ? o.naive_seq : (o.quick ? 32 : 128);
  small.profile.iterations = 5;
  r.progress(fmt::format("naive vs accelerated at seq {}: accelerated", small.seq));
  const tinyaccel::ForwardProfile fast_small = tinyaccel::cli::profile_transformer(small, roof.roofs);
  TransformerRun naive = small;
  naive.path = Path::naive;
  naive.profile.warmup = 0;
  naive.profile.iterations = 1;
  r.progress(fmt::format("naive vs accelerated at seq {}: naive twin, one timed pass", small.seq));
  const tinyaccel::ForwardProfile slow = tinyaccel::cli::profile_transformer(naive, roof.roofs);
  const double speedup = slow.total.median_s / fast_small.total.median_s;
  std::cout << fmt::format(
      "== naive twin vs accelerated at seq {} (same weights): naive {:.1f} ms (1 pass) vs "
      "accelerated {:.2f} ms (median of {}): {:.0f}× faster\n\n",
      small.seq, slow.total.median_s * 1e3, fast_small.total.median_s * 1e3,
      fast_small.total.samples, speedup);

  r.data["transformer"] = {
      {"accelerated", tinyaccel::cli::profile_json(fast, run)},
      {"naive_comparison",
       {{"seq", small.seq},
        {"naive", tinyaccel::cli::profile_json(slow, naive)},
        {"accelerated", tinyaccel::cli::profile_json(fast_small, small)},
        {"speedup", speedup},
        {"note", "both paths measured at this reduced sequence length; the naive twin for one "
                 "pass (seconds per pass at seq 512). Not extrapolated."}}}};
  r.markdown += fmt::format(
      "## Transformer block (pre-LN, d_model 768, 12 heads, ffn 3072, seq {}, batch 1, float32, "
      "{} threads)\n\n"
      "Total **{:.2f} ms** median of {} passes ({:.1f} GFLOP/s over {:.2f} GFLOP; CV {:.1f}%). "
      "Parameters {:.1f} MiB, activation peak {:.1f} MiB.\n\n",
      run.seq, fast.threads, fast.total.median_s * 1e3, fast.total.samples,
      fast.flops * 1e-9 / fast.total.median_s, fast.flops * 1e-9, 100 * fast.total.cv,
      fast.memory.parameter_bytes / 1048576.0, fast.memory.activation_peak_bytes / 1048576.0);
  r.markdown += markdown_table({"layer", "ms", "share", "GFLOP", "FLOP/B", "GFLOP/s", "level",
                                "eff", "bound", "recommendation"},
                               layer_rows(fast)) +
                "\n";
  r.markdown += fmt::format(
      "**Naive twin vs accelerated**, both at seq {} with the same weights: naive {:.1f} ms "
      "(one pass) vs accelerated {:.2f} ms (median of {}) → **{:.0f}×**. Measured at the reduced "
      "size because the naive twin takes seconds per pass at seq 512; not extrapolated.\n\n",
      small.seq, slow.total.median_s * 1e3, fast_small.total.median_s * 1e3,
      fast_small.total.samples, speedup);

  // The layers on the roofline (same roofs as the kernels above) and their time breakdown.
  tinyaccel::RooflineReport layers = roof;
  layers.placements.clear();
  for (const auto& l : fast.layers) layers.placements.push_back(l.placement);
  r.markdown += r.plot("transformer_roofline", "transformer layers on the roofline",
                       [&](const std::string& p) { tinyaccel::write_roofline_plot(layers, p); });
  std::string bars;
  for (const auto& l : fast.layers) bars += fmt::format("\"{}\" {}\n", l.name, l.timing.median_s * 1e3);
  const std::string program =
      "set title 'transformer block: time per layer (ms)'\nset style data histograms\n"
      "set style fill solid 0.8\nset boxwidth 0.7\nset ylabel 'ms'\nset yrange [0:*]\n"
      "set grid ytics\nset xtics rotate by -30\n$d << EOD\n" + bars +
      "EOD\nplot $d using 2:xtic(1) notitle lc rgb '#d5793a'\n";
  r.markdown += r.plot("transformer_layers", "time per layer", [&](const std::string& p) {
    tinyaccel::cli::write_gnuplot(p, program);
  });
}

// ---- driver -----------------------------------------------------------------------------------

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--out", opts->out, "Report directory (created; files in it are replaced)")
      ->capture_default_str();
  cmd.add_flag("--quick", opts->quick, "Smaller sizes and fewer repeats (~1 minute): a smoke run");
  cmd.add_option("--threads", opts->threads,
                 "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--seq", opts->seq, "Transformer sequence length (default 512; quick 128)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--naive-seq", opts->naive_seq,
                 "Sequence length for the naive-vs-accelerated comparison (default 128; quick 32)")
      ->check(CLI::PositiveNumber);
  cmd.footer(
      "Sections, in order: machine (system info) → roofline (quick probes, kernels placed) →\n"
      "matmul scaling across backends → fusion (fused vs unfused element-wise kernels) →\n"
      "transformer block profile (per layer, on the roofline) and naive twin vs accelerated.\n"
      "Writes DIR/summary.md, DIR/report.json, DIR/roofline.{json,csv,svg,png},\n"
      "DIR/matmul_scaling.{svg,png}, DIR/fusion.{svg,png}, DIR/transformer_roofline.{svg,png},\n"
      "DIR/transformer_layers.{svg,png}. A section that fails is reported and skipped; the exit\n"
      "status is then 1. Plots need gnuplot. The naive twin is timed for one pass at a reduced\n"
      "sequence length (it takes seconds per pass at 512); ratios are never extrapolated.\n\n"
      "Examples:\n"
      "  tinyaccel report\n"
      "  tinyaccel report --quick --out /tmp/report\n"
      "  tinyaccel report --threads 2 --out report-2t");
  return [opts] {
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    Report r;
    r.dir = opts->out;
    std::error_code ec;
    std::filesystem::create_directories(r.dir, ec);
    if (ec || !std::filesystem::is_directory(r.dir)) {
      throw tinyaccel::IoError("cannot create the report directory '" + r.dir + "'" +
                               (ec ? ": " + ec.message() : ""));
    }
    r.markdown = fmt::format("# tinyaccel report\n\n{} · `tinyaccel report{}` · {} threads\n\n",
                             utc_now(), opts->quick ? " --quick" : "", tinyaccel::num_threads());
    int failed = 0;
    auto section = [&](const char* name, const std::function<void()>& fn) {
      try {
        fn();
      } catch (const std::exception& e) {
        ++failed;
        r.warn(fmt::format("section '{}' failed: {}", name, e.what()));
        r.markdown += fmt::format("## {}\n\n**Not measured**: {}\n\n", name, e.what());
        r.data[name] = {{"error", e.what()}};
      }
    };
    section("system", [&] { system_section(r); });
    std::optional<tinyaccel::RooflineReport> roof;
    section("roofline", [&] { roof = roofline_section(r); });
    section("matmul", [&] { matmul_section(r, *opts); });
    section("fusion", [&] { fusion_section(r, *opts); });
    section("transformer", [&] {
      if (!roof) throw tinyaccel::ValueError("no roofline measured to place the layers on");
      transformer_section(r, *opts, *roof);
    });
    r.data["elapsed_s"] = r.elapsed();
    r.data["warnings"] = r.warnings;
    r.data["generated"] = utc_now();
    r.data["quick"] = opts->quick;
    if (!r.warnings.empty()) {
      r.markdown += "## Warnings\n\n";
      for (const auto& w : r.warnings) r.markdown += "- " + w + "\n";
      r.markdown += "\n";
    }
    r.markdown += fmt::format("_Generated in {:.0f} s. Numbers are from one run on a shared "
                              "machine: compare ratios measured side by side._\n",
                              r.elapsed());
    tinyaccel::write_file_atomically(r.path("report.json"), r.data.dump(2) + "\n");
    tinyaccel::write_file_atomically(r.path("summary.md"), r.markdown);
    r.progress(fmt::format("wrote {} (summary.md, report.json, plots)", r.dir));
    return failed == 0 ? 0 : 1;
  };
}

const bool registered = tinyaccel::cli::register_command(
    5, "report", "The main job: machine, roofline, matmul, fusion, transformer → a report directory",
    setup);

}  // namespace
