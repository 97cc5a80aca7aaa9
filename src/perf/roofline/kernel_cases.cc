// The kernels the roofline places by default. Each entry is its cost (the op's own cost
// function, the numbers tests and benchmarks use) and a setup that builds inputs and returns the
// call to time. Adding a point is one entry.
#include <string>
#include <vector>

#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

// "4096" -> "4K", 4194304 -> "4M": short labels for tables and the plot.
std::string count_label(int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return std::to_string(n >> 20) + "M";
  if (n >= (1 << 10) && n % (1 << 10) == 0) return std::to_string(n >> 10) + "K";
  return std::to_string(n);
}

KernelCase elementwise_binary(const std::string& op, int64_t n) {
  const DType dt = DType::f32;
  KernelCase c;
  c.name = op + " " + count_label(n);
  c.cost = op == "add" ? add_cost(n, dt) : mul_cost(n, dt);
  c.working_set_bytes = 3 * n * dtype_size(dt);
  c.dtype = dt;
  c.setup = [op, n, dt]() -> std::function<void()> {
    Tensor a = randn({n}, 1, dt), b = randn({n}, 2, dt);
    if (op == "add") return [a, b] { add(a, b); };
    return [a, b] { mul(a, b); };
  };
  return c;
}

KernelCase gelu_case(int64_t n, bool fused) {
  const DType dt = DType::f32;
  KernelCase c;
  c.name = std::string(fused ? "gelu " : "gelu unfused ") + count_label(n);
  c.cost = gelu_cost(n, dt, fused);
  // Fused: input + output. Unfused: input + its 7 temporaries + the result, all alive.
  c.working_set_bytes = (fused ? 2 : 9) * n * dtype_size(dt);
  c.dtype = dt;
  c.setup = [n, dt, fused]() -> std::function<void()> {
    Tensor x = randn({n}, 3, dt);
    if (!fused) return [x] { unfused_gelu(x); };
    Tensor out({n}, dt);
    return [x, out]() mutable { fused_gelu(x, out); };
  };
  return c;
}

KernelCase softmax_case(int64_t rows, int64_t cols) {
  const DType dt = DType::f32;
  KernelCase c;
  c.name = "softmax " + std::to_string(rows) + "x" + std::to_string(cols);
  c.cost = softmax_cost(rows, cols, dt);
  c.working_set_bytes = 2 * rows * cols * dtype_size(dt);
  c.dtype = dt;
  c.setup = [rows, cols, dt]() -> std::function<void()> {
    Tensor x = randn({rows, cols}, 4, dt);
    return [x] { softmax(x); };
  };
  return c;
}

KernelCase layernorm_case(int64_t rows, int64_t cols) {
  const DType dt = DType::f32;
  KernelCase c;
  c.name = "layernorm " + std::to_string(rows) + "x" + std::to_string(cols);
  c.cost = layernorm_cost(rows, cols, dt);
  c.working_set_bytes = (2 * rows * cols + 2 * cols) * dtype_size(dt);
  c.dtype = dt;
  c.setup = [rows, cols, dt]() -> std::function<void()> {
    Tensor x = randn({rows, cols}, 5, dt), gamma = randn({cols}, 6, dt),
           beta = randn({cols}, 7, dt);
    return [x, gamma, beta] { layernorm(x, gamma, beta); };
  };
  return c;
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
  for (int64_t n : sizes) cases.push_back(elementwise_binary("add", n));
  for (int64_t n : sizes) cases.push_back(elementwise_binary("mul", n));
  for (int64_t n : {int64_t{1} << 16, int64_t{1} << 22}) {
    cases.push_back(gelu_case(n, true));
    cases.push_back(gelu_case(n, false));
  }
  for (int64_t rows : quick ? std::vector<int64_t>{4096} : std::vector<int64_t>{256, 4096}) {
    cases.push_back(softmax_case(rows, 1024));
    cases.push_back(layernorm_case(rows, 1024));
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
