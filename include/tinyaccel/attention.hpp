// Scaled dot-product attention, fused:
//   out = softmax(scale · q·kᵀ [causal mask]) · v      for every leading index (batch, head)
// q: (..., Lq, D), k: (..., Lk, D), v: (..., Lk, Dv), all of one dtype (float32 or float64) and
// the same leading dimensions (no broadcasting); out: (..., Lq, Dv). Any strides.
// The softmax follows softmax()'s rules (elementwise.hpp): masking (query i sees keys
// j <= i + Lk - Lq), an all-masked row is 0, NaN/+inf in a row's scores make that row NaN.
//
// The Lq × Lk score matrix is never written out: the queries go in blocks of rows whose scores
// stay in L2 from the first product through the softmax into the second; with the causal mask,
// a block's fully masked keys are skipped. Threads take whole (leading index, query block)
// tasks, so the result is the same for every thread count.
#pragma once

#include "tinyaccel/cost.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale = 1.0,
                 bool causal = false);
// Into `out` of shape (..., Lq, Dv) and the inputs' dtype, any strides: e.g. a permuted view
// of a (batch, seq, heads·Dv) buffer, so the heads land side by side without a copy.
// ValueError when out shares memory with q, k or v, or has overlapping elements (stride 0).
void attention_into(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                    bool causal, Tensor& out);

// The fused kernel's cost: both products' FLOPs (masked entries included) and the softmax's;
// bytes are q, k, v read once and out written once (the scores stay in cache).
OpCost attention_cost(const Shape& q, const Shape& k, const Shape& v, DType dtype,
                      bool causal = false);

namespace naive {
// The reference twin: naive_matmul, naive::softmax and naive_matmul, the scores materialized.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale = 1.0,
                 bool causal = false);
}  // namespace naive

}  // namespace tinyaccel
#pragma GCC visibility pop
