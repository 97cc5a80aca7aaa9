#include "tinyaccel/attention.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "core/memory_limit.hpp"
#include "core/overlap.hpp"
#include "core/parallel.hpp"
#include "elementwise/kernels.hpp"
#include "elementwise/op_args.hpp"
#include "gemm/backends.hpp"
#include "gemm/packed/partition.hpp"
#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

struct Dims {
  Shape lead;
  int64_t lq = 0, lk = 0, d = 0, dv = 0;
};

Dims check_shapes(const char* op, const Shape& q, const Shape& k, const Shape& v) {
  const auto fail = [&](const std::string& why) {
    throw ShapeError(std::string(op) + ": q " + shape_str(q) + ", k " + shape_str(k) + ", v " +
                     shape_str(v) + ": " + why);
  };
  if (q.size() < 2 || k.size() != q.size() || v.size() != q.size()) {
    fail("q, k and v must have one rank, at least 2 (..., seq, features)");
  }
  const size_t r = q.size();
  Dims x;
  x.lead = Shape(q.begin(), q.end() - 2);
  if (Shape(k.begin(), k.end() - 2) != x.lead || Shape(v.begin(), v.end() - 2) != x.lead) {
    fail("leading dimensions differ");
  }
  x.lq = q[r - 2], x.d = q[r - 1], x.lk = k[r - 2], x.dv = v[r - 1];
  if (k[r - 1] != x.d) fail("k.shape[-1] must equal q.shape[-1]");
  if (v[r - 2] != x.lk) fail("v.shape[-2] must equal k.shape[-2]");
  return x;
}

Dims check_operands(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  const Dims x = check_shapes(op, q.shape(), k.shape(), v.shape());
  require_compute_dtype(op, {&q, &k, &v});
  if (k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
    throw DTypeError(std::string(op) + ": q, k and v must share one dtype, got " +
                     dtype_name(q.dtype()) + ", " + dtype_name(k.dtype()) + ", " +
                     dtype_name(v.dtype()));
  }
  return x;
}

// Element offset of leading index `flat` (row-major over `lead`) in t.
int64_t lead_offset(const Tensor& t, const Shape& lead, int64_t flat) {
  int64_t offset = 0;
  for (int64_t d = static_cast<int64_t>(lead.size()) - 1; d >= 0; --d) {
    offset += flat % lead[d] * t.strides()[d];
    flat /= lead[d];
  }
  return offset;
}

template <typename T>
gemm::MatrixRef<T> matrix_of(T* base, const Tensor& t, int64_t row0, int64_t rows, int64_t cols) {
  const int64_t rs = t.strides()[t.ndim() - 2], cs = t.strides()[t.ndim() - 1];
  return {base + row0 * rs, rows, cols, rs, cs};
}

// Query rows per task. At most what keeps the block's scores (rows × Lk) within a quarter of L2,
// so they stay there from the first product through the softmax into the second, beside the
// GEMMs' packed blocks (1 MiB L2, float32, Lk = 512: 128 rows). Fewer when batch × heads alone
// would leave threads idle: then at least kTasksPerThread tasks per thread, so that tasks taken
// in turn leave no thread more than a fraction of a task behind the others (each task packs
// its head's keys again, so smaller blocks are not free).
constexpr int64_t kTasksPerThread = 3;
constexpr int64_t kMinBlockRows = 16;

int64_t block_rows(int64_t lq, int64_t lk, int64_t elem_size, int64_t heads, int threads) {
  const int64_t l2 = cache_size_bytes(2) > 0 ? cache_size_bytes(2) : 512 << 10;
  const int64_t fits = std::max<int64_t>(
      kMinBlockRows, l2 / 4 / (std::max<int64_t>(lk, 1) * elem_size) / 16 * 16);
  const int64_t blocks = (kTasksPerThread * threads + heads - 1) / std::max<int64_t>(heads, 1);
  const int64_t rows = (lq + blocks - 1) / std::max<int64_t>(blocks, 1);
  return std::clamp<int64_t>((rows + 15) / 16 * 16, kMinBlockRows, fits);
}

template <typename T>
struct Job {
  const Tensor &q, &k, &v;
  Tensor& out;
  Dims x;
  double scale;
  bool causal;
  int64_t rows;  // query rows per block

  // Rows [r0, r0 + n) of leading index t; s: scratch for n × (Lk + padding) scores.
  void run_block(int64_t t, int64_t r0, int64_t n, T* s) const {
    const elementwise::Kernels<T>& kern = elementwise::kernels<T>();
    // Keys past the last row's causal limit are masked for every row of the block: skipped.
    const int64_t keys = elementwise::causal_valid(r0 + n - 1, x.lq, x.lk, causal);
    gemm::MatrixRef<T> o =
        matrix_of(out.data<T>() + lead_offset(out, x.lead, t), out, r0, n, x.dv);
    if (keys == 0) {  // every row fully masked: softmax gives zeros, so does the product
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < x.dv; ++j) o(i, j) = T(0);
      }
      return;
    }
    // A row stride that is a multiple of 2 KiB would alias in L1 (see packed_gemm.cc): pad it.
    const int64_t ld = keys * static_cast<int64_t>(sizeof(T)) % 2048 == 0
                           ? keys + 64 / static_cast<int64_t>(sizeof(T))
                           : keys;
    const gemm::MatrixRef<const T> qb =
        matrix_of(q.data<T>() + lead_offset(q, x.lead, t), q, r0, n, x.d);
    // kᵀ as a (D × keys) view: element (p, j) = k[j][p].
    const gemm::MatrixRef<const T> kb =
        matrix_of(k.data<T>() + lead_offset(k, x.lead, t), k, 0, keys, x.d);
    const gemm::MatrixRef<const T> kt{kb.data, x.d, keys, kb.col_stride, kb.row_stride};
    gemm::packed_gemm<T>(qb, kt, {s, n, keys, ld, 1}, gemm::Epilogue<T>{}, 1);
    for (int64_t i = 0; i < n; ++i) {
      kern.softmax_row(s + i * ld, s + i * ld, keys,
                       elementwise::causal_valid(r0 + i, x.lq, x.lk, causal), scale);
    }
    const gemm::MatrixRef<const T> vb =
        matrix_of(v.data<T>() + lead_offset(v, x.lead, t), v, 0, keys, x.dv);
    gemm::packed_gemm<T>({s, n, keys, ld, 1}, vb, o, gemm::Epilogue<T>{}, 1);
  }

  // Tasks (one head, one block of query rows) are taken in turn from a shared counter: a
  // thread that finishes early takes the next, so causal blocks (whose cost grows with their
  // position) and uneven counts balance. Tasks are numbered so that the costliest come first.
  // Each task's result depends only on its operands, never on the thread that runs it.
  void run(int threads) const {
    const int64_t blocks = (x.lq + rows - 1) / rows;
    const int64_t tasks = shape_numel(x.lead) * blocks;
    std::atomic<int64_t> next{0};
    parallel_run(threads, [&](int, int) {
      std::vector<T> scores(static_cast<size_t>(rows * (x.lk + 64 / sizeof(T))));
      for (int64_t task = next++; task < tasks; task = next++) {
        const int64_t block = blocks - 1 - task / shape_numel(x.lead);
        const int64_t t = task % shape_numel(x.lead), r0 = block * rows;
        run_block(t, r0, std::min(rows, x.lq - r0), scores.data());
      }
    });
  }
};

}  // namespace

void attention_into(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal,
                    Tensor& out) {
  const Dims x = check_operands("attention", q, k, v);
  Shape want = x.lead;
  want.insert(want.end(), {x.lq, x.dv});
  if (out.shape() != want) {
    throw ShapeError("attention: out " + shape_str(out.shape()) + " must have shape " +
                     shape_str(want));
  }
  if (out.dtype() != q.dtype()) {
    throw DTypeError(std::string("attention: out is ") + dtype_name(out.dtype()) +
                     ", the inputs " + dtype_name(q.dtype()) + ": it must be the inputs' dtype");
  }
  core::check_distinct_elements("attention", "out", out);
  if (core::memory_overlaps(out, q) || core::memory_overlaps(out, k) ||
      core::memory_overlaps(out, v)) {
    throw ValueError("attention: out " + shape_str(out.shape()) +
                     " shares memory with q, k or v: it must be a separate buffer");
  }
  if (out.numel() == 0) return;
  core::allocation_errors_as("attention", [&] {
    visit_dtype(q.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const int64_t heads = shape_numel(x.lead);
      const double flops = 2.0 * double(heads * x.lq) * double(x.lk) * double(x.d + x.dv);
      const int threads = gemm::work_threads(flops, num_threads());
      const int64_t rows = block_rows(x.lq, x.lk, sizeof(T), heads, threads);
      const int64_t tasks = heads * ((x.lq + rows - 1) / rows);
      Job<T>{q, k, v, out, x, scale, causal, rows}.run(
          static_cast<int>(std::min<int64_t>(threads, tasks)));
    });
  });
}

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal) {
  const Dims x = check_operands("attention", q, k, v);
  Shape shape = x.lead;
  shape.insert(shape.end(), {x.lq, x.dv});
  Tensor out = Tensor::empty(shape, q.dtype());
  attention_into(q, k, v, scale, causal, out);
  return out;
}

OpCost attention_cost(const Shape& q, const Shape& k, const Shape& v, DType dtype, bool causal) {
  const Dims x = check_shapes("attention_cost", q, k, v);
  const int64_t b = shape_numel(x.lead);
  OpCost c;
  c.flops = 2 * b * x.lq * x.lk * (x.d + x.dv) +
            softmax_cost(b * x.lq, x.lk, dtype, causal).flops;
  c.bytes = b * (x.lq * x.d + x.lk * x.d + x.lk * x.dv + x.lq * x.dv) * dtype_size(dtype);
  return c;
}

Tensor naive::attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                        bool causal) {
  check_operands("naive::attention", q, k, v);
  return naive_matmul(naive::softmax(naive_matmul(q, k.mT()), scale, causal), v);
}

}  // namespace tinyaccel
