// The kernels `tinyaccel cache` measures: what each is, costs and touches, and how it runs with
// its counted region marked. The costs are the ones the roofline places (matmul_cost, the op
// registry's, the block's layer_costs), so the two never disagree about a kernel.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "perf/cache/cache_run.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/op_cases.hpp"
#include "tinyaccel/profiler.hpp"

namespace tinyaccel {
namespace {

void check_sizes(const CacheKernel& k) {
  const bool bad = k.kind == CacheKernel::Kind::matmul ? (k.m < 1 || k.k < 1 || k.n < 1)
                   : k.kind == CacheKernel::Kind::op   ? (k.rows < 1 || k.cols < 1)
                                                       : k.seq < 1;
  if (bad) throw ValueError("cache: sizes must be >= 1 (" + k.label() + ")");
}

nn::TransformerBlock default_block(DType dtype) {
  nn::TransformerConfig config;
  config.dtype = dtype;
  return nn::TransformerBlock(config, 0);
}

// The block layer's declared cost; ValueError listing the layers when `name` is not one.
nn::LayerCost layer_cost(const nn::TransformerBlock& block, const CacheKernel& k) {
  std::string names;
  for (const nn::LayerCost& c : block.layer_costs({1, k.seq, block.config().d_model})) {
    if (c.name == k.name) return c;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  throw ValueError("unknown block layer " + quote(k.name) + ": expected one of " + names);
}

// Runs `call` as CountedRegion's contract says, for a kernel that is one call.
void run_call(const std::function<void()>& call, bool warm, perf::CountedRegion& region,
              const std::function<void()>& prepared) {
  if (prepared) prepared();
  if (warm) call();
  region.start();
  call();
  region.stop();
}

}  // namespace

std::string CacheKernel::label() const {
  switch (kind) {
    case Kind::matmul:
      return m == k && k == n ? fmt::format("matmul {} {}", backend_name(backend), n)
                              : fmt::format("matmul {} {}x{}x{}", backend_name(backend), m, k, n);
    case Kind::op: {
      const std::string size = rows == 1 ? perf::count_label(cols)
                                         : fmt::format("{}x{}", rows, cols);
      return name + (fused ? " " : " unfused ") + size;
    }
    case Kind::layer:
      break;
  }
  return fmt::format("block {} (seq {})", name, seq);
}

OpCost CacheKernel::cost() const {
  check_sizes(*this);
  if (kind == Kind::matmul) return matmul_cost({m, k}, {k, n}, dtype);
  if (kind == Kind::op) return find_op_case(name).cost(rows, cols, dtype, fused);
  return layer_cost(default_block(dtype), *this).cost;
}

int64_t CacheKernel::working_set_bytes() const {
  if (kind == Kind::layer) return layer_cost(default_block(dtype), *this).working_set_bytes;
  return cost().bytes;
}

namespace perf {

std::string counted_run(const CacheKernel& k, bool warm) {
  const bool layer = k.kind == CacheKernel::Kind::layer;
  const char* unit = layer ? "pass" : "call";
  return fmt::format("{}{}", layer ? "its scope in one forward pass" : "one call",
                     warm ? fmt::format(" (after an uncounted warm-up {})", unit)
                          : fmt::format(" (the first {})", unit));
}

bool slices_rows(const CacheKernel& k) {
  return k.backend == Backend::naive || k.backend == Backend::tiled;
}

int64_t simulated_slice(const CacheKernel& k, int64_t requested, double budget_scale) {
  if (k.kind != CacheKernel::Kind::matmul) return 0;
  const int64_t whole = slices_rows(k) ? k.m : k.n;
  if (requested > 0) return std::min(requested, whole);
  // FLOPs per row (or column) of the output, and the simulated budget.
  const double per_line = 2.0 * static_cast<double>(k.k) * static_cast<double>(slices_rows(k) ? k.n : k.m);
  double budget = double(1 << 28);
  int64_t multiple = 32;  // whole micro-tile columns (NR) at any ISA
  if (k.backend == Backend::naive) {
    budget = double(1 << 26);
    multiple = 8;
  } else if (k.backend == Backend::tiled) {
    budget = double(1 << 29);
    multiple = 64;  // the tiled backend's row tile: every band is whole tiles
  }
  const int64_t lines = static_cast<int64_t>(budget * budget_scale / per_line);
  return std::min(whole, std::max(multiple, lines / multiple * multiple));
}

std::function<void()> kernel_call(const CacheKernel& k, int64_t slice) {
  check_sizes(k);
  if (k.kind == CacheKernel::Kind::matmul) {
    const bool rows = slices_rows(k);
    const int64_t m = slice > 0 && rows ? std::min(slice, k.m) : k.m;
    const int64_t n = slice > 0 && !rows ? std::min(slice, k.n) : k.n;
    GemmOptions options;
    options.backend = k.backend;
    auto c = std::make_shared<Tensor>(Tensor::empty({m, n}, k.dtype));
    return [a = randn({m, k.k}, 8, k.dtype), b = randn({k.k, n}, 9, k.dtype), c, options] {
      fused_gemm(a, b, *c, options);
    };
  }
  if (k.kind == CacheKernel::Kind::op) {
    const OpCase& op = find_op_case(k.name);
    if (!k.fused && !op.has_unfused()) {
      throw ValueError("op " + quote(k.name) + " has no unfused twin");
    }
    auto operands = std::make_shared<const OpOperands>(make_op_operands(k.rows, k.cols, k.dtype));
    if (!k.fused) return [&op, operands] { op.unfused(*operands); };
    if (!op.fused_out) return [&op, operands] { op.fused(*operands); };
    auto out = std::make_shared<Tensor>(Tensor::empty({k.rows, k.cols}, k.dtype));
    return [&op, operands, out] { op.fused_out(*operands, *out); };
  }
  throw ValueError("block layer " + quote(k.name) + " runs as a forward pass, not one call");
}

void run_counted(const CacheKernel& k, int64_t slice, bool warm, CountedRegion& region,
                 const std::function<void()>& prepared) {
  check_sizes(k);
  if (k.kind != CacheKernel::Kind::layer) {
    run_call(kernel_call(k, slice), warm, region, prepared);
  } else {
    const nn::TransformerBlock block = default_block(k.dtype);
    layer_cost(block, k);  // the name is checked before anything runs
    const Tensor x = randn({1, k.seq, block.config().d_model}, 2, k.dtype);
    ProfileRecorder recorder;
    RecordingScope scope(recorder);
    if (prepared) prepared();
    if (warm) block.forward(x);
    recorder.on_scope = [&](const std::string& path, bool entering) {
      if (path != k.name) return;
      if (entering) {
        region.start();
      } else {
        region.stop();
      }
    };
    block.forward(x);
    recorder.on_scope = nullptr;
  }
}

}  // namespace perf
}  // namespace tinyaccel
