// The matmul front door: validation, dtype promotion, batch broadcasting, then the batch's
// matrices to the shared GEMM path (run_gemm) in one call.
#include <string>
#include <type_traits>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "core/memory_limit.hpp"
#include "gemm/backends.hpp"
#include "tinyaccel/matmul.hpp"

namespace tinyaccel {
namespace {

[[noreturn]] void mismatch(const Shape& a, const Shape& b, const std::string& why) {
  throw ShapeError("shape mismatch: " + shape_str(a) + " @ " + shape_str(b) + ": " + why);
}

struct MatmulPlan {
  Shape batch;  // broadcast batch shape
  int64_t m = 0, n = 0, k = 0;
};

MatmulPlan plan(const Shape& a, const Shape& b) {
  for (const auto* s : {&a, &b}) {
    if (s->size() < 2) {
      throw ShapeError("matmul requires 2D+ inputs (got " + shape_str(a) + " @ " + shape_str(b) +
                       "): use a (1,n) or (n,1) matrix instead of a vector");
    }
  }
  shape_numel(a);
  shape_numel(b);
  const size_t ra = a.size(), rb = b.size();
  MatmulPlan p;
  p.m = a[ra - 2];
  p.k = a[ra - 1];
  p.n = b[rb - 1];
  if (b[rb - 2] != p.k) {
    mismatch(a, b, "a.shape[-1]=" + std::to_string(p.k) + " != b.shape[-2]=" +
                       std::to_string(b[rb - 2]));
  }
  const size_t nb = std::max(ra, rb) - 2;
  p.batch.assign(nb, 1);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t da = i < ra - 2 ? a[ra - 3 - i] : 1;
    const int64_t db = i < rb - 2 ? b[rb - 3 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      mismatch(a, b, "batch dimensions " + shape_str(Shape(a.begin(), a.end() - 2)) + " and " +
                         shape_str(Shape(b.begin(), b.end() - 2)) + " do not broadcast");
    }
    p.batch[nb - 1 - i] = da == 1 ? db : da;
  }
  return p;
}

template <typename T>
gemm::MatrixRef<const T> matrix_at(const Tensor& t, int64_t offset) {
  const int64_t r = t.ndim();
  return {t.data<T>() + offset, t.shape()[r - 2], t.shape()[r - 1], t.strides()[r - 2],
          t.strides()[r - 1]};
}

struct RunConfig {
  Backend backend = Backend::automatic;
  int64_t tile_size = 64;
};

// The batch matrices of the broadcast operands a, b into contiguous c (float32 for bfloat16
// operands, else T), handed to the GEMM path as one batch: planned once for all of them.
template <typename T>
void run_batches(const RunConfig& config, const MatmulPlan& p, const Tensor& a, const Tensor& b,
                 Tensor& c) {
  using C = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
  const int64_t nb = static_cast<int64_t>(p.batch.size());
  std::vector<int64_t> index(nb, 0);
  const int64_t batches = shape_numel(p.batch);
  std::vector<gemm::GemmOperands<T, C>> ops;
  ops.reserve(static_cast<size_t>(batches));
  for (int64_t batch = 0; batch < batches; ++batch) {
    int64_t off_a = 0, off_b = 0;
    for (int64_t d = 0; d < nb; ++d) {
      off_a += index[d] * a.strides()[d];
      off_b += index[d] * b.strides()[d];
    }
    ops.push_back({matrix_at<T>(a, off_a), matrix_at<T>(b, off_b),
                   {c.data<C>() + batch * p.m * p.n, p.m, p.n, p.n, 1}});
    for (int64_t d = nb - 1; d >= 0 && ++index[d] == p.batch[d]; --d) index[d] = 0;
  }
  if constexpr (std::is_same_v<T, BFloat16>) {
    gemm::run_gemm(config.backend, ops, gemm::Epilogue<float>{});
  } else {
    gemm::run_gemm<T>(config.backend, config.tile_size, ops, gemm::Epilogue<T>{});
  }
}

Tensor matmul_with(const Tensor& a_in, const Tensor& b_in, const RunConfig& config) {
  const MatmulPlan p = plan(a_in.shape(), b_in.shape());
  const DType dtype = gemm::operand_dtype("matmul", a_in.dtype(), b_in.dtype());
  if (dtype == DType::bf16) gemm::bf16_backend("matmul", config.backend);
  const DType out_dtype = dtype == DType::bf16 ? DType::f32 : dtype;
  Shape out_shape = p.batch;
  out_shape.push_back(p.m);
  out_shape.push_back(p.n);
  if (p.k == 0) return Tensor(out_shape, out_dtype);
  Tensor c = Tensor::empty(out_shape, out_dtype);
  if (c.numel() == 0) return c;

  // Broadcast views give every operand the full batch shape (stride 0 where it repeats).
  Shape a_shape = p.batch, b_shape = p.batch;
  a_shape.insert(a_shape.end(), {p.m, p.k});
  b_shape.insert(b_shape.end(), {p.k, p.n});
  const Tensor a = a_in.to(dtype).broadcast_to(a_shape);
  const Tensor b = b_in.to(dtype).broadcast_to(b_shape);

  visit_any_dtype(dtype, [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, BFloat16>) {
      run_batches<T>(config, p, a, b, c);
    }
  });
  return c;
}

}  // namespace

DType gemm::operand_dtype(const char* op, DType a, DType b) {
  if (a == DType::bf16 || b == DType::bf16) {
    if (a != b) {
      throw DTypeError(std::string(op) + ": mixed dtypes " + dtype_name(a) + " and " +
                       dtype_name(b) + ": a bfloat16 product needs both operands in bfloat16 "
                       "(convert with .to(DType::bf16), or both to float32)");
    }
    return DType::bf16;
  }
  for (DType d : {a, b}) {
    if (d != DType::f32 && d != DType::f64) {
      throw DTypeError(std::string(op) + ": unsupported dtype " + dtype_name(d) +
                       " (float32, float64 or bfloat16; for int8, quantize the weight with "
                       "QuantizedWeight::quantize and call linear)");
    }
  }
  return a == DType::f64 || b == DType::f64 ? DType::f64 : DType::f32;
}

Backend gemm::bf16_backend(const char* op, Backend backend) {
  if (backend == Backend::naive) return Backend::naive;
  if (backend == Backend::packed || backend == Backend::automatic) return Backend::packed;
  throw DTypeError(std::string(op) + ": the " + backend_name(backend) +
                   " backend has no bfloat16 kernels (use packed, auto or naive)");
}

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::naive: return "naive";
    case Backend::tiled: return "tiled";
    case Backend::packed: return "packed";
    case Backend::blas: return "blas";
    default: return "auto";
  }
}

Backend parse_backend(const std::string& name) {
  if (name == "naive") return Backend::naive;
  if (name == "tiled") return Backend::tiled;
  if (name == "packed") return Backend::packed;
  if (name == "blas") return Backend::blas;
  if (name == "auto" || name == "automatic") return Backend::automatic;
  throw ValueError("unknown matmul backend " + quote(name) +
                   ": expected naive, tiled, packed, blas or auto");
}

OpCost matmul_cost(const Shape& a, const Shape& b, DType dtype) {
  const MatmulPlan p = plan(a, b);
  const int64_t batches = shape_numel(p.batch);
  const int64_t out_size = dtype == DType::bf16 ? 4 : dtype_size(dtype);  // bfloat16 → float32
  return OpCost{2 * batches * p.m * p.n * p.k,
                batches * ((p.m * p.k + p.k * p.n) * dtype_size(dtype) + p.m * p.n * out_size)};
}

Tensor matmul(const Tensor& a, const Tensor& b, Backend backend) {
  return core::allocation_errors_as("matmul", [&] {
    return matmul_with(a, b, RunConfig{backend, 64});
  });
}

Tensor tiled_matmul(const Tensor& a, const Tensor& b, int64_t tile_size) {
  if (tile_size < 1) {
    throw ValueError("tiled_matmul: tile_size must be >= 1, got " + std::to_string(tile_size));
  }
  return core::allocation_errors_as("tiled_matmul", [&] {
    return matmul_with(a, b, RunConfig{Backend::tiled, tile_size});
  });
}

Tensor naive_matmul(const Tensor& a, const Tensor& b) { return matmul(a, b, Backend::naive); }

Tensor vectorized_matmul(const Tensor& a, const Tensor& b) {
  return matmul(a, b, Backend::automatic);
}

}  // namespace tinyaccel
