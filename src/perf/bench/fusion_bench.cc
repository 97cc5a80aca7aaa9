// Every fused element-wise op against its unfused (eager) twin over a range of sizes: median
// time, GB/s by the op's declared bytes, the fused kernel placed on the roofs (level, % of that
// roof, flagged when above every roof it could belong to), the copy bandwidth measured for the
// same working set, peak tensor memory, speedup; and PyTorch's gelu(approximate='tanh').
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "perf/bench/torch_peer.hpp"
#include "perf/roofline/placement_cells.hpp"
#include "perf/roofline/placement_json.hpp"
#include "perf/support.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/op_cases.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/table.hpp"
#include "tinyaccel/units.hpp"

namespace tinyaccel {
namespace {

const std::vector<std::string> kDefaultSizes = {"1K",   "4K", "16K",       "64K",
                                                "256K", "1M", "2000x2000", "16M"};
const std::vector<std::string> kQuickSizes = {"4K", "256K", "2000x2000"};
// The PyTorch peer's input: a 2000x2000 float32 activation.
constexpr int64_t kPeerRows = 2000, kPeerCols = 2000;

// Peak tensor bytes allocated by one call beyond what was live before it.
int64_t peak_bytes_of(const std::function<void()>& fn) {
  reset_peak_memory();
  const int64_t before = memory_stats().current_bytes;
  fn();
  return memory_stats().peak_bytes - before;
}

std::vector<const OpCase*> ops_of(const FusionBenchOptions& o) {
  std::vector<const OpCase*> ops;
  for (const std::string& name : o.ops.empty() ? fusion_op_names() : o.ops) {
    const OpCase& op = find_op_case(name);
    if (!op.has_unfused()) {
      std::string names;
      for (const auto& n : fusion_op_names()) names += (names.empty() ? "" : ", ") + n;
      throw ValueError("op " + quote(name) + " has no unfused twin to compare: expected one of " +
                       names);
    }
    ops.push_back(&op);
  }
  return ops;
}

FusionRow measure_op(const OpCase& op, const OpOperands& operands, const FusionSize& size,
                     DType dtype, const TimingOptions& timing, const Roofs& roofs) {
  FusionRow row;
  row.op = op.name;
  row.size = size.label;
  row.rows = size.rows;
  row.cols = size.cols;
  const Timing fused = measure_latency([&] { op.fused(operands); }, timing);
  const Timing unfused = measure_latency([&] { op.unfused(operands); }, timing);
  row.fused_ms = fused.median_s * 1e3;
  row.unfused_ms = unfused.median_s * 1e3;
  row.noisy = fused.noisy() || unfused.noisy();
  double kernel_s = fused.median_s;
  if (op.fused_out) {
    Tensor out = Tensor::empty(operands.x.shape(), dtype);
    const Timing t = measure_latency([&] { op.fused_out(operands, out); }, timing);
    row.fused_out_ms = t.median_s * 1e3;
    row.noisy = row.noisy || t.noisy();
    kernel_s = t.median_s;
  }
  const OpCost cost = op.cost(size.rows, size.cols, dtype, true);
  row.fused_bytes = cost.bytes;
  row.gbs = static_cast<double>(row.fused_bytes) / kernel_s / 1e9;
  KernelPoint point;
  point.name = op.name + " " + size.label;
  point.cost = cost;
  point.working_set_bytes = cost.bytes;
  point.seconds = kernel_s;
  point.dtype = dtype;
  point.timing = fused;
  row.placement = place(point, roofs);
  row.peak_fused_bytes = peak_bytes_of([&] { op.fused(operands); });
  row.peak_unfused_bytes = peak_bytes_of([&] { op.unfused(operands); });
  return row;
}

// PyTorch on the peer input with each of `pythons`, next to fused_gelu timed here.
std::vector<TorchPeer> run_peers(const std::vector<std::string>& pythons, const std::string& script,
                                 int threads, bool quick, const TimingOptions& timing,
                                 const ProgressFn& progress) {
  const Tensor x = randn({kPeerRows, kPeerCols}, 1, DType::f32);
  const Timing ours = measure_latency([&] { fused_gelu(x); }, timing);
  std::vector<TorchPeer> peers;
  for (const auto& py : pythons) {
    progress(fmt::format("bench fusion: PyTorch peer with {} ...", py));
    TorchPeer p = perf::run_torch_peer(py, script, kPeerRows, kPeerCols, threads, quick);
    if (p.error.empty()) p.fused_ms = ours.median_s * 1e3;
    peers.push_back(p);
  }
  return peers;
}

nlohmann::ordered_json placement_json(const Placement& p) {
  nlohmann::ordered_json j;
  perf::add_placement_fields(j, p);
  j["bound"] = bound_name(p.bound);
  return j;
}

std::string fmt_ms(std::optional<double> ms) { return ms ? fmt::format("{:.3f}", *ms) : "-"; }
std::string fmt_mib(int64_t bytes) {
  return fmt::format("{:.2f}", static_cast<double>(bytes) / (1 << 20));
}

Table table_of(const FusionBench& bench) {
  Table table({"op", "size", "fused ms", "fused out= ms", "unfused ms", "speedup", "GB/s",
               "level", "% roof", "copy GB/s", "peak fused MiB", "peak unfused MiB",
               "mem ratio", "noisy"});
  for (const FusionRow& r : bench.rows) {
    const auto ratio = r.mem_ratio();
    table.add_row({r.op, r.size, fmt_ms(r.fused_ms), fmt_ms(r.fused_out_ms), fmt_ms(r.unfused_ms),
                   fmt::format("{:.2f}", r.speedup()), fmt::format("{:.1f}", r.gbs),
                   perf::level_cell(r.placement), perf::efficiency_cell(r.placement),
                   fmt::format("{:.1f}", r.copy_gbs),
                   fmt_mib(r.peak_fused_bytes), fmt_mib(r.peak_unfused_bytes),
                   ratio ? fmt::format("{:.2f}", *ratio) : "-", r.noisy ? "yes" : ""});
  }
  return table;
}

}  // namespace

FusionSize parse_fusion_size(const std::string& text) {
  try {
    const size_t x = text.find('x');
    if (x != std::string::npos) {
      return {text, parse_count(text.substr(0, x)), parse_count(text.substr(x + 1))};
    }
    const int64_t n = parse_count(text);
    const int64_t cols = n >= 1024 && n % 1024 == 0 ? 1024 : n;
    return {text, n / cols, cols};
  } catch (const ValueError&) {
    throw ValueError("bad size " + quote(text) +
                     ": expected N elements (bare K, M, G binary: 64K = 65536) or ROWSxCOLS, "
                     "e.g. 64K, 2000x2000");
  }
}

std::optional<double> FusionRow::mem_ratio() const {
  if (peak_fused_bytes <= 0) return std::nullopt;
  return static_cast<double>(peak_unfused_bytes) / static_cast<double>(peak_fused_bytes);
}

FusionBench compare_fusion(const FusionBenchOptions& o) {
  std::vector<FusionSize> sizes;
  for (const auto& s : o.sizes.empty() ? (o.quick ? kQuickSizes : kDefaultSizes) : o.sizes) {
    sizes.push_back(parse_fusion_size(s));
  }
  const std::vector<const OpCase*> ops = ops_of(o);
  const auto progress = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  std::vector<std::string> pythons =
      o.dtype == DType::f32 ? perf::torch_pythons(o.torch) : std::vector<std::string>{};
  const auto script = pythons.empty() ? std::nullopt : perf::find_peer_script(o.peer_script);
  if (!pythons.empty() && !script) {
    progress("bench fusion: bench/peers/torch_gelu.py not found; PyTorch peer skipped");
    pythons.clear();
  }
  const perf::ThreadsGuard guard(o.threads);
  if (!o.roofs) progress("bench fusion: quick roofs to place the kernels on ...");
  const Roofs roofs = o.roofs ? *o.roofs : measure_roofs(o.dtype);
  FusionBench bench;
  bench.dtype = o.dtype;
  bench.threads = num_threads();
  bench.isa = active_isa();
  bench.quick = o.quick;
  TimingOptions timing;
  timing.target_seconds = o.quick ? 0.05 : 0.3;
  timing.min_samples = o.quick ? 3 : 7;
  std::map<int64_t, double> copy_bw;  // working-set bytes → GB/s
  for (const FusionSize& size : sizes) {
    const OpOperands operands = make_op_operands(size.rows, size.cols, o.dtype);
    for (const OpCase* op : ops) {
      progress(fmt::format("bench fusion: {} {} ...", op->name, size.label));
      FusionRow row = measure_op(*op, operands, size, o.dtype, timing, roofs);
      const int64_t ws = std::max<int64_t>(row.fused_bytes, 4096);
      if (!copy_bw.count(ws)) {
        copy_bw[ws] = measure_bandwidth_gbs(BandwidthKernel::copy, ws, bench.threads, false,
                                            o.quick ? 0.05 : 0.1);
      }
      row.copy_gbs = copy_bw[ws];
      bench.rows.push_back(row);
    }
  }
  if (!pythons.empty()) {
    bench.peers = run_peers(pythons, *script, bench.threads, o.quick, timing, progress);
  }
  return bench;
}

std::string fusion_bench_json(const FusionBench& bench) {
  using Json = nlohmann::ordered_json;
  auto optional = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  Json j;
  j["threads"] = bench.threads;
  j["isa"] = isa_name(bench.isa);
  j["dtype"] = dtype_name(bench.dtype);
  j["quick"] = bench.quick;
  j["copy_probe"] = "roofline measure_bandwidth_gbs(copy), same working set and threads";
  j["rows"] = Json::array();
  for (const FusionRow& r : bench.rows) {
    j["rows"].push_back({{"op", r.op},
                         {"size", r.size},
                         {"rows", r.rows},
                         {"cols", r.cols},
                         {"numel", r.numel()},
                         {"fused_ms", r.fused_ms},
                         {"fused_out_ms", optional(r.fused_out_ms)},
                         {"unfused_ms", r.unfused_ms},
                         {"speedup", r.speedup()},
                         {"fused_bytes", r.fused_bytes},
                         {"gbs", r.gbs},
                         {"copy_gbs", r.copy_gbs},
                         {"placement", placement_json(r.placement)},
                         {"peak_fused_bytes", r.peak_fused_bytes},
                         {"peak_unfused_bytes", r.peak_unfused_bytes},
                         {"mem_ratio", optional(r.mem_ratio())},
                         {"noisy", r.noisy}});
  }
  j["peers"] = Json::array();
  for (const TorchPeer& p : bench.peers) {
    Json pj = {{"python", p.python},
               {"input", fmt::format("{}x{} float32", kPeerRows, kPeerCols)},
               {"op", "torch.nn.functional.gelu(approximate='tanh')"}};
    if (p.error.empty()) {
      pj["torch_version"] = p.version;
      pj["torch_ms"] = p.torch_ms;
      pj["fused_ms"] = p.fused_ms;
      pj["speedup_vs_torch"] = p.speedup();
    } else {
      pj["error"] = p.error;
    }
    j["peers"].push_back(pj);
  }
  return j.dump(2);
}

std::string fusion_bench_text(const FusionBench& bench) {
  std::string out = fmt::format("Fused vs unfused element-wise ops, {}, {} threads, {}\n",
                                dtype_name(bench.dtype), bench.threads, isa_name(bench.isa));
  out += table_of(bench).render();
  std::vector<Placement> placed;
  for (const FusionRow& r : bench.rows) placed.push_back(r.placement);
  out += "(level and % roof: the fused kernel placed on the roofs; copy GB/s: the copy probe on "
         "the same working set)\n";
  out += perf::flag_notes(placed, "above every roof they could belong to (% roof not "
                                  "meaningful):\n");
  for (const TorchPeer& p : bench.peers) {
    if (!p.error.empty()) {
      out += fmt::format("PyTorch peer ({}): not run: {}\n", p.python, p.error);
      continue;
    }
    out += fmt::format(
        "PyTorch {} ({}) gelu(approximate='tanh') {}x{} float32: {:.3f} ms; fused_gelu {:.3f} ms: "
        "{:.2f}x faster\n",
        p.version, p.python, kPeerRows, kPeerCols, p.torch_ms, p.fused_ms, p.speedup());
  }
  return out;
}

std::string fusion_bench_csv(const FusionBench& bench) { return table_of(bench).csv(); }

}  // namespace tinyaccel
