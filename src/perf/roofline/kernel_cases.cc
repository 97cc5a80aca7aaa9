// The kernels the roofline places by default. Each entry is its cost (the op's own cost
// function, the numbers tests and benchmarks use) and a setup that builds inputs and returns the
// call to time; element-wise entries come from the op registry (op_cases.hpp). Adding a point is
// one entry.
#include <memory>
#include <string>
#include <vector>

#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/op_cases.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

// An element-wise op from the registry (op_cases.hpp) on (rows, cols) operands, named
// "<op> <label>" (fused) or "<op> unfused <label>". The fused point times the out= form where
// the op has one (the kernel alone, no allocation). Its working set is what the call touches
// while it runs: the compulsory bytes when fused; unfused, the input and every intermediate
// still alive, given by `unfused_live_tensors` (x-sized tensors).
KernelCase op_case(const std::string& op, int64_t rows, int64_t cols, const std::string& label,
                   bool fused, int64_t unfused_live_tensors = 0) {
  const DType dt = DType::f32;
  const OpCase& spec = find_op_case(op);
  KernelCase c;
  c.name = op + (fused ? " " : " unfused ") + label;
  c.cost = spec.cost(rows, cols, dt, fused);
  c.working_set_bytes = fused ? c.cost.bytes : unfused_live_tensors * rows * cols * dtype_size(dt);
  c.dtype = dt;
  c.setup = [&spec, rows, cols, dt, fused]() -> std::function<void()> {
    auto operands = std::make_shared<const OpOperands>(make_op_operands(rows, cols, dt));
    if (!fused) return [&spec, operands] { spec.unfused(*operands); };
    if (!spec.fused_out) return [&spec, operands] { spec.fused(*operands); };
    Tensor out({rows, cols}, dt);
    return [&spec, operands, out]() mutable { spec.fused_out(*operands, out); };
  };
  return c;
}

KernelCase vector_case(const std::string& op, int64_t n, bool fused = true,
                       int64_t unfused_live_tensors = 0) {
  return op_case(op, 1, n, perf::count_label(n), fused, unfused_live_tensors);
}

KernelCase rows_case(const std::string& op, int64_t rows, int64_t cols) {
  return op_case(op, rows, cols, std::to_string(rows) + "x" + std::to_string(cols), true);
}

KernelCase matmul_case(Backend backend, int64_t n) {
  const DType dt = DType::f32;
  KernelCase c;
  c.name = std::string("matmul ") + backend_name(backend) + " " + std::to_string(n);
  c.cost = matmul_cost({n, n}, {n, n}, dt);
  c.working_set_bytes = c.cost.bytes;
  c.dtype = dt;
  c.setup = [backend, n, dt]() -> std::function<void()> {
    Tensor a = randn({n, n}, 8, dt), b = randn({n, n}, 9, dt);
    return [a, b, backend] { matmul(a, b, backend); };
  };
  return c;
}

// Every concrete backend this build has (the enum grows as backends land; `auto` only picks
// one of them, so it is not a point of its own).
std::vector<Backend> concrete_backends() {
  std::vector<Backend> out;
  for (const char* name : {"naive", "tiled", "packed", "blas"}) {
    try {
      out.push_back(parse_backend(name));
    } catch (const ValueError&) {
      // Not in this build.
    }
  }
  return out;
}

}  // namespace

std::vector<KernelCase> default_kernel_cases(bool quick) {
  std::vector<KernelCase> cases;
  // Element-wise sizes span the memory levels: with 3 f32 streams, 4K elements = 48 KiB (L1/L2),
  // 64K = 768 KiB (L2), 512K = 6 MiB (L3), 4M = 48 MiB (DRAM on a 32 MiB L3).
  const std::vector<int64_t> sizes =
      quick ? std::vector<int64_t>{1 << 16, 1 << 22}
            : std::vector<int64_t>{1 << 12, 1 << 16, 1 << 19, 1 << 22};
  for (int64_t n : sizes) cases.push_back(vector_case("add", n));
  for (int64_t n : sizes) cases.push_back(vector_case("mul", n));
  for (int64_t n : {int64_t{1} << 16, int64_t{1} << 22}) {
    cases.push_back(vector_case("gelu", n));
    // Unfused GELU holds its input, 7 temporaries and the result.
    cases.push_back(vector_case("gelu", n, false, 9));
  }
  for (int64_t rows : quick ? std::vector<int64_t>{4096} : std::vector<int64_t>{256, 4096}) {
    cases.push_back(rows_case("softmax", rows, 1024));
    cases.push_back(rows_case("layernorm", rows, 1024));
  }
  // Naive stops at 256: at ~1 GFLOP/s a 1024³ product would take seconds per call.
  const std::vector<int64_t> dims =
      quick ? std::vector<int64_t>{128, 512} : std::vector<int64_t>{64, 256, 1024};
  for (Backend backend : concrete_backends()) {
    for (int64_t n : dims) {
      if (backend == Backend::naive && n > 256) continue;
      cases.push_back(matmul_case(backend, n));
    }
  }
  return cases;
}

}  // namespace tinyaccel
