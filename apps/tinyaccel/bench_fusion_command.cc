// `tinyaccel bench fusion`: every fused element-wise op against its unfused (eager) twin over a
// range of sizes, in one run: median time, GB/s by the op's declared bytes, % of the copy
// bandwidth measured for the same working set, peak tensor memory, speedup; and PyTorch's
// gelu(approximate='tanh') on the same 2000x2000 input, run from this process.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/memory.hpp>
#include <tinyaccel/roofline.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>
#include <tinyaccel/timing.hpp>

#include "command.hpp"
#include "table.hpp"

namespace {

using tinyaccel::DType;
using tinyaccel::Tensor;

struct Options {
  std::vector<std::string> sizes;
  std::vector<std::string> ops;
  std::string dtype = "float32";
  int threads = 0;
  bool quick = false;
  bool json = false;
  bool csv = false;
  std::string torch;  // python interpreter(s) for the PyTorch peer; "none" disables
};

const std::vector<std::string> kDefaultSizes = {"1K", "4K", "16K", "64K", "256K",
                                                "1M", "2000x2000", "16M"};
const std::vector<std::string> kQuickSizes = {"4K", "256K", "2000x2000"};
const std::vector<std::string> kAllOps = {"gelu",    "gelu_erf",      "bias_gelu", "layernorm",
                                          "add_layernorm", "softmax", "add_mul"};

struct Size {
  std::string label;
  int64_t rows = 0, cols = 0;
};

// "4096", "64K", "16M" (rows of 1024, or one row when smaller) or "ROWSxCOLS".
Size parse_size(const std::string& text) {
  auto bad = [&] {
    return tinyaccel::ValueError("bad size '" + text +
                                 "': expected N, NK, NM (elements) or ROWSxCOLS, e.g. 64K, "
                                 "2000x2000");
  };
  try {
    size_t used = 0;
    const int64_t a = std::stoll(text, &used);
    if (a <= 0) throw bad();
    if (used < text.size() && text[used] == 'x') {
      size_t used_b = 0;
      const std::string rest = text.substr(used + 1);
      const int64_t b = std::stoll(rest, &used_b);
      if (b <= 0 || used_b != rest.size()) throw bad();
      return {text, a, b};
    }
    int64_t n = a;
    if (used + 1 == text.size() && (text[used] == 'K' || text[used] == 'k')) {
      n = a * 1024;
    } else if (used + 1 == text.size() && (text[used] == 'M' || text[used] == 'm')) {
      n = a * 1024 * 1024;
    } else if (used != text.size()) {
      throw bad();
    }
    const int64_t cols = n >= 1024 && n % 1024 == 0 ? 1024 : n;
    return {text, n / cols, cols};
  } catch (const std::logic_error&) {
    throw bad();
  }
}

// The operands of one size, shared by every op at that size.
struct Operands {
  Tensor x, r, bias, gamma, beta;
};

struct OpCase {
  std::string name;
  std::function<void(const Operands&)> fused;
  std::function<void(const Operands&, Tensor&)> fused_out;  // empty when no out form
  std::function<void(const Operands&)> unfused;
  std::function<tinyaccel::OpCost(int64_t rows, int64_t cols, DType dtype, bool fused)> cost;
};

OpCase op_case(const std::string& name) {
  using namespace tinyaccel;
  if (name == "gelu") {
    return {name, [](const Operands& o) { fused_gelu(o.x); },
            [](const Operands& o, Tensor& out) { fused_gelu(o.x, out); },
            [](const Operands& o) { unfused_gelu(o.x); },
            [](int64_t r, int64_t c, DType d, bool f) { return gelu_cost(r * c, d, f); }};
  }
  if (name == "gelu_erf") {
    return {name, [](const Operands& o) { gelu_erf(o.x); },
            [](const Operands& o, Tensor& out) { gelu_erf(o.x, out); },
            [](const Operands& o) { unfused_gelu_erf(o.x); },
            [](int64_t r, int64_t c, DType d, bool f) { return gelu_erf_cost(r * c, d, f); }};
  }
  if (name == "bias_gelu") {
    return {name, [](const Operands& o) { bias_gelu(o.x, o.bias); },
            [](const Operands& o, Tensor& out) { bias_gelu(o.x, o.bias, out); },
            [](const Operands& o) { unfused_bias_gelu(o.x, o.bias); }, &bias_gelu_cost};
  }
  if (name == "layernorm") {
    return {name, [](const Operands& o) { layernorm(o.x, o.gamma, o.beta); }, nullptr,
            [](const Operands& o) { unfused_layernorm(o.x, o.gamma, o.beta); },
            &layernorm_cost};
  }
  if (name == "add_layernorm") {
    return {name, [](const Operands& o) { add_layernorm(o.x, o.r, o.gamma, o.beta); }, nullptr,
            [](const Operands& o) { unfused_add_layernorm(o.x, o.r, o.gamma, o.beta); },
            &add_layernorm_cost};
  }
  if (name == "softmax") {
    return {name, [](const Operands& o) { softmax(o.x, 0.125); }, nullptr,
            [](const Operands& o) { unfused_softmax(o.x, 0.125); },
            [](int64_t r, int64_t c, DType d, bool f) { return softmax_cost(r, c, d, false, f); }};
  }
  if (name == "add_mul") {
    return {name, [](const Operands& o) { add_mul(o.x, o.r, o.x); }, nullptr,
            [](const Operands& o) { unfused_add_mul(o.x, o.r, o.x); },
            [](int64_t r, int64_t c, DType d, bool f) { return add_mul_cost(r * c, d, f); }};
  }
  std::string names;
  for (const auto& n : kAllOps) names += (names.empty() ? "" : ", ") + n;
  throw tinyaccel::ValueError("unknown op '" + name + "': expected one of " + names);
}

// Peak tensor bytes allocated by one call beyond what was live before it.
int64_t peak_bytes_of(const std::function<void()>& fn) {
  tinyaccel::reset_peak_memory();
  const int64_t before = tinyaccel::memory_stats().current_bytes;
  fn();
  return tinyaccel::memory_stats().peak_bytes - before;
}

struct Row {
  std::string op, size;
  int64_t numel = 0;
  double fused_ms = 0, fused_out_ms = -1, unfused_ms = 0;
  double gbs = 0, copy_gbs = 0;
  int64_t fused_bytes = 0, peak_fused = 0, peak_unfused = 0;
  bool noisy = false;
  double speedup() const { return fused_ms > 0 ? unfused_ms / fused_ms : 0; }
  double pct_bw() const { return copy_gbs > 0 ? 100.0 * gbs / copy_gbs : 0; }
};

struct Peer {
  std::string python, version, error;
  double median_ms = 0, ours_ms = 0;
};

// bench/peers/torch_gelu.py: next to the current directory, or above the executable (build
// trees and installs keep the source checkout's layout one to three levels up).
std::optional<std::filesystem::path> find_peer_script() {
  namespace fs = std::filesystem;
  const fs::path rel = "bench/peers/torch_gelu.py";
  std::vector<fs::path> bases = {fs::current_path()};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (int up = 0; up < 4 && !ec && exe.has_parent_path(); ++up) {
    exe = exe.parent_path();
    bases.push_back(exe);
  }
  for (const auto& b : bases) {
    if (fs::exists(b / rel)) return b / rel;
  }
  return std::nullopt;
}

// Runs the peer script with `python` on rows x cols float32 and parses its JSON line.
Peer run_torch_peer(const std::string& python, const std::filesystem::path& script, int64_t rows,
                    int64_t cols, int threads, bool quick) {
  Peer p;
  p.python = python;
  const std::string cmd = fmt::format("'{}' '{}' --rows {} --cols {} --threads {}{} 2>&1",
                                      python, script.string(), rows, cols, threads,
                                      quick ? " --quick" : "");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    p.error = "cannot start " + python;
    return p;
  }
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  const size_t brace = out.rfind("\n{");
  const std::string line = out.substr(brace == std::string::npos ? 0 : brace + 1);
  try {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("error")) {
      p.error = j["error"].get<std::string>();
    } else {
      p.version = j.at("torch_version").get<std::string>();
      p.median_ms = j.at("median_ms").get<double>();
    }
  } catch (const std::exception&) {
    std::string first = out.substr(0, out.find('\n'));
    p.error = fmt::format("exit {}: {}", status, first.empty() ? "no output" : first);
  }
  return p;
}

std::vector<std::string> torch_pythons(const std::string& option) {
  if (option == "none") return {};
  if (!option.empty()) return {option};
  std::vector<std::string> found;
  // Debian's python3-torch, then the newest PyPI torch in the checkout's .venv (scripts/peers-venv).
  for (const char* p : {"/usr/bin/python3", ".venv/bin/python"}) {
    if (access(p, X_OK) == 0) found.push_back(p);
  }
  return found;
}

std::string fmt_ms(double ms) { return ms < 0 ? "-" : fmt::format("{:.3f}", ms); }
std::string fmt_mib(int64_t bytes) {
  return fmt::format("{:.2f}", static_cast<double>(bytes) / (1 << 20));
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--sizes", opts->sizes,
                 "Sizes: N, NK, NM elements (rows of 1024) or ROWSxCOLS "
                 "(default: 1K 4K 16K 64K 256K 1M 2000x2000 16M)")
      ->delimiter(',');
  cmd.add_option("--ops", opts->ops,
                 "Ops (default: all): gelu gelu_erf bias_gelu layernorm add_layernorm softmax "
                 "add_mul")
      ->delimiter(',');
  cmd.add_option("--dtype", opts->dtype, "float32 or float64")->capture_default_str();
  cmd.add_option("--threads", opts->threads,
                 "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--quick", opts->quick, "Three sizes, shorter timing: a smoke run");
  cmd.add_flag("--json", opts->json, "One JSON document on stdout");
  cmd.add_flag("--csv", opts->csv, "CSV rows on stdout");
  cmd.add_option("--torch", opts->torch,
                 "Python with torch for the PyTorch peer (default: /usr/bin/python3 and "
                 ".venv/bin/python when present; 'none' skips it)");
  cmd.footer(
      "Columns: fused = the op in one pass returning a new tensor; fused out= = the same into a\n"
      "preallocated tensor (the kernel alone, no allocation or page faults); unfused = the same\n"
      "math pass by pass, every intermediate materialized. GB/s = the op's declared bytes\n"
      "(elementwise.hpp costs) / the fused out= time (fused time when no out form); copy GB/s =\n"
      "the roofline copy probe on the same working set and threads; peak = tensor bytes\n"
      "allocated by one call (memory_stats); speedup = unfused / fused.\n"
      "The PyTorch peer times torch.nn.functional.gelu(x, approximate='tanh') on the same\n"
      "2000x2000 float32 input with the same thread count (bench/peers/torch_gelu.py).\n\n"
      "Examples:\n"
      "  tinyaccel bench fusion --threads 2\n"
      "  tinyaccel bench fusion --ops gelu,bias_gelu --sizes 1M,2000x2000 --threads 2\n"
      "  tinyaccel bench fusion --json > fusion.json\n"
      "  tinyaccel bench fusion --torch .venv/bin/python --ops gelu --sizes 2000x2000");
  return [opts] {
    const DType dtype = opts->dtype == "float64" || opts->dtype == "f64" ? DType::f64
                        : opts->dtype == "float32" || opts->dtype == "f32"
                            ? DType::f32
                            : throw tinyaccel::ValueError("bad --dtype '" + opts->dtype +
                                                          "': expected float32 or float64");
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    const int threads = tinyaccel::num_threads();
    std::vector<Size> sizes;
    for (const auto& s : opts->sizes.empty() ? (opts->quick ? kQuickSizes : kDefaultSizes)
                                             : opts->sizes) {
      sizes.push_back(parse_size(s));
    }
    std::vector<OpCase> ops;
    for (const auto& name : opts->ops.empty() ? kAllOps : opts->ops) ops.push_back(op_case(name));

    tinyaccel::TimingOptions timing;
    timing.target_seconds = opts->quick ? 0.05 : 0.3;
    timing.min_samples = opts->quick ? 3 : 7;
    std::map<int64_t, double> copy_bw;  // working-set bytes → GB/s
    std::vector<Row> rows;
    for (const Size& size : sizes) {
      Operands o;
      o.x = tinyaccel::randn({size.rows, size.cols}, 1, dtype);
      o.r = tinyaccel::randn({size.rows, size.cols}, 2, dtype);
      o.bias = tinyaccel::randn({size.cols}, 3, dtype);
      o.gamma = tinyaccel::rand({size.cols}, 4, dtype, 0.5, 1.5);
      o.beta = tinyaccel::randn({size.cols}, 5, dtype);
      for (const OpCase& op : ops) {
        std::cerr << fmt::format("bench fusion: {} {} ...\n", op.name, size.label);
        Row row;
        row.op = op.name;
        row.size = size.label;
        row.numel = size.rows * size.cols;
        const auto fused = tinyaccel::measure_latency([&] { op.fused(o); }, timing);
        const auto unfused = tinyaccel::measure_latency([&] { op.unfused(o); }, timing);
        row.fused_ms = fused.median_s * 1e3;
        row.unfused_ms = unfused.median_s * 1e3;
        row.noisy = fused.noisy() || unfused.noisy();
        double kernel_s = fused.median_s;
        if (op.fused_out) {
          Tensor out = Tensor::empty(o.x.shape(), dtype);
          const auto t = tinyaccel::measure_latency([&] { op.fused_out(o, out); }, timing);
          row.fused_out_ms = t.median_s * 1e3;
          row.noisy = row.noisy || t.noisy();
          kernel_s = t.median_s;
        }
        const tinyaccel::OpCost cost = op.cost(size.rows, size.cols, dtype, true);
        row.fused_bytes = cost.bytes;
        row.gbs = static_cast<double>(cost.bytes) / kernel_s / 1e9;
        const int64_t ws = std::max<int64_t>(cost.bytes, 4096);
        if (!copy_bw.count(ws)) {
          copy_bw[ws] = tinyaccel::measure_bandwidth_gbs(tinyaccel::BandwidthKernel::copy, ws,
                                                         threads, false,
                                                         opts->quick ? 0.05 : 0.1);
        }
        row.copy_gbs = copy_bw[ws];
        row.peak_fused = peak_bytes_of([&] { op.fused(o); });
        row.peak_unfused = peak_bytes_of([&] { op.unfused(o); });
        rows.push_back(row);
      }
    }

    // The PyTorch peer on the headline input.
    std::vector<Peer> peers;
    const auto pythons = dtype == DType::f32 ? torch_pythons(opts->torch)
                                             : std::vector<std::string>{};
    const auto script = find_peer_script();
    if (!pythons.empty() && !script) {
      std::cerr << "bench fusion: bench/peers/torch_gelu.py not found; PyTorch peer skipped\n";
    }
    if (!pythons.empty() && script) {
      Operands o;
      o.x = tinyaccel::randn({2000, 2000}, 1, DType::f32);
      const auto ours = tinyaccel::measure_latency([&] { tinyaccel::fused_gelu(o.x); }, timing);
      for (const auto& py : pythons) {
        std::cerr << fmt::format("bench fusion: PyTorch peer with {} ...\n", py);
        Peer p = run_torch_peer(py, *script, 2000, 2000, threads, opts->quick);
        p.ours_ms = ours.median_s * 1e3;
        peers.push_back(p);
      }
    }

    if (opts->json) {
      nlohmann::json j;
      j["threads"] = threads;
      j["isa"] = tinyaccel::isa_name(tinyaccel::active_isa());
      j["dtype"] = tinyaccel::dtype_name(dtype);
      j["copy_probe"] = "roofline measure_bandwidth_gbs(copy), same working set and threads";
      for (const Row& r : rows) {
        j["rows"].push_back({{"op", r.op},
                             {"size", r.size},
                             {"numel", r.numel},
                             {"fused_ms", r.fused_ms},
                             {"fused_out_ms", r.fused_out_ms < 0 ? nlohmann::json()
                                                                 : nlohmann::json(r.fused_out_ms)},
                             {"unfused_ms", r.unfused_ms},
                             {"speedup", r.speedup()},
                             {"fused_bytes", r.fused_bytes},
                             {"gbs", r.gbs},
                             {"copy_gbs", r.copy_gbs},
                             {"pct_copy_bw", r.pct_bw()},
                             {"peak_fused_bytes", r.peak_fused},
                             {"peak_unfused_bytes", r.peak_unfused},
                             {"noisy", r.noisy}});
      }
      for (const Peer& p : peers) {
        nlohmann::json pj = {{"python", p.python}, {"input", "2000x2000 float32"},
                             {"op", "torch.nn.functional.gelu(approximate='tanh')"}};
        if (p.error.empty()) {
          pj["torch_version"] = p.version;
          pj["torch_ms"] = p.median_ms;
          pj["fused_ms"] = p.ours_ms;
          pj["speedup_vs_torch"] = p.median_ms / p.ours_ms;
        } else {
          pj["error"] = p.error;
        }
        j["peers"].push_back(pj);
      }
      std::cout << j.dump(2) << "\n";
      return 0;
    }

    tinyaccel::cli::Table table({"op", "size", "fused ms", "fused out= ms", "unfused ms",
                                 "speedup", "GB/s", "copy GB/s", "% copy bw", "peak fused MiB",
                                 "peak unfused MiB", "mem ratio", "noisy"});
    for (const Row& r : rows) {
      table.add_row({r.op, r.size, fmt_ms(r.fused_ms), fmt_ms(r.fused_out_ms),
                     fmt_ms(r.unfused_ms), fmt::format("{:.2f}", r.speedup()),
                     fmt::format("{:.1f}", r.gbs), fmt::format("{:.1f}", r.copy_gbs),
                     fmt::format("{:.0f}", r.pct_bw()), fmt_mib(r.peak_fused),
                     fmt_mib(r.peak_unfused),
                     r.peak_fused > 0 ? fmt::format("{:.2f}", static_cast<double>(r.peak_unfused) /
                                                                  r.peak_fused)
                                      : "-",
                     r.noisy ? "yes" : ""});
    }
    if (opts->csv) {
      std::cout << table.csv();
      return 0;
    }
    fmt::print("Fused vs unfused element-wise ops, {}, {} threads, {}\n",
               tinyaccel::dtype_name(dtype), threads,
               tinyaccel::isa_name(tinyaccel::active_isa()));
    std::cout << table.render();
    for (const Peer& p : peers) {
      if (!p.error.empty()) {
        fmt::print("PyTorch peer ({}): not run: {}\n", p.python, p.error);
        continue;
      }
      fmt::print(
          "PyTorch {} ({}) gelu(approximate='tanh') 2000x2000 float32: {:.3f} ms; fused_gelu "
          "{:.3f} ms: {:.2f}x faster\n",
          p.version, p.python, p.median_ms, p.ours_ms, p.median_ms / p.ours_ms);
    }
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    52, "fusion", "Fused vs unfused element-wise ops: time, GB/s, % of copy bandwidth, memory",
    setup, "bench");

}  // namespace
