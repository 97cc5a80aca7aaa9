"""The kernels, with NumPy's conventions: any array-like in, a new ndarray out (or ``out=``).

Every function here releases the GIL while its kernel runs, so calls from several Python threads
run concurrently and give the same results as one at a time. Shapes follow the C++ library's
contracts (``include/tinyaccel/*.hpp``); errors are ``ValueError`` (bad shapes and values, with
the library's words, e.g. "matmul requires 2D+ inputs", "shape mismatch: (2,3) @ (4,5): ...")
and ``TypeError`` (unsupported dtypes, non-array arguments).

Each call also reports its declared cost (FLOPs and bytes, the numbers the library's tests,
benchmarks and roofline use) to a :class:`tinyaccel.Profiler` while one is recording.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import _native
from ._arrays import as_array, check_out, wrap_like
from . import _recording


def _dtype(*arrays: np.ndarray) -> str:
    return "float64" if any(a.dtype.itemsize == 8 for a in arrays) else "float32"


def _rows_cols(a: np.ndarray) -> Tuple[int, int]:
    cols = a.shape[-1] if a.ndim else 1
    return (a.size // cols if cols else 0), cols


def _exec(name: str, fn: Callable[..., Any], args: tuple, cost: Callable[..., Tuple[int, int]]):
    rec = _recording.active
    if rec is None:
        return fn(*args)
    return rec.run(name, fn, args, cost)


def _matmul_cost(a, b, *_):
    return _native.matmul_cost(a.shape, b.shape, _dtype(a, b))


def _into(out: np.ndarray, result: np.ndarray) -> np.ndarray:
    if out.shape != result.shape:
        raise ValueError(f"out has shape {out.shape}, the result has {result.shape}")
    np.copyto(out, result, casting="same_kind")
    return out


# ---- matmul -------------------------------------------------------------------------------------

def matmul(a: Any, b: Any, backend: str = "auto", *, out: Optional[np.ndarray] = None) -> Any:
    """``a @ b`` with ``numpy.matmul``'s rules for 2-D and higher: batch dimensions broadcast.

    a: (..., m, k), b: (..., k, n) -> (broadcast(...), m, n); float32 with float64 gives float64.
    backend: "auto" (packed or BLAS, whichever measured faster for the shape), "packed" (our
    SIMD GEMM), "blas" (OpenBLAS), "tiled" (cache-blocked loops), "naive" (the reference loop).
    out: a writable array of the result's shape and dtype, written in place and returned.
    Raises ValueError for 1-D inputs ("2D+ required") and mismatched shapes.
    """
    x, y = as_array(a, "a"), as_array(b, "b")
    if out is None:
        return wrap_like(a, _exec("matmul", _native.matmul, (x, y, backend), _matmul_cost))
    o = check_out(out)
    if np.may_share_memory(o, x) or np.may_share_memory(o, y):
        return _into(o, _exec("matmul", _native.matmul, (x, y, backend), _matmul_cost))
    _exec("matmul", _native.matmul_out, (x, y, o, backend), _matmul_cost)
    return out


def vectorized_matmul(a: Any, b: Any) -> Any:
    """The seed's name for :func:`matmul` with ``backend="auto"``."""
    return matmul(a, b)


def naive_matmul(a: Any, b: Any) -> Any:
    """The reference triple loop (float64 accumulation): the oracle the fast paths are tested
    against. Same rules and errors as :func:`matmul`; slow (about 1-3 GFLOP/s)."""
    x, y = as_array(a, "a"), as_array(b, "b")
    return wrap_like(a, _exec("naive_matmul", _native.matmul, (x, y, "naive"), _matmul_cost))


def tiled_matmul(a: Any, b: Any, tile_size: int = 64) -> Any:
    """The seed's cache-tiled six-loop matmul, for real: square tiles of ``tile_size`` along i,
    j and k over the strided operands, no packing, no BLAS. ValueError when tile_size < 1."""
    x, y = as_array(a, "a"), as_array(b, "b")
    return wrap_like(a, _exec("tiled_matmul", _native.tiled_matmul, (x, y, int(tile_size)),
                              _matmul_cost))


def _linear_cost(x, w, bias, activation):
    return _native.linear_cost(x.shape, w.shape, bias is not None, activation, _dtype(x, w))


def linear(x: Any, weight: Any, bias: Any = None, activation: Optional[str] = None) -> Any:
    """PyTorch's Linear: ``act(x @ weight.T + bias)`` with the bias and activation fused into the
    GEMM's epilogue.

    x: (..., in_features); weight: (out_features, in_features); bias: (out_features,) or None;
    activation: None, "relu", "gelu" (tanh form) or "gelu_erf" (exact, PyTorch's default).
    Returns (..., out_features). The weight is read through a transposed view (never copied).
    """
    xa, wa = as_array(x, "x"), as_array(weight, "weight")
    ba = None if bias is None else as_array(bias, "bias")
    act = activation or "none"
    return wrap_like(x, _exec("linear", _native.linear, (xa, wa, ba, act), _linear_cost))


def attention(q: Any, k: Any, v: Any, scale: Optional[float] = None, causal: bool = False,
              naive: bool = False) -> Any:
    """Fused scaled dot-product attention: ``softmax(scale · q @ k.T [causal mask]) @ v``.

    q: (..., Lq, D), k: (..., Lk, D), v: (..., Lk, Dv), one dtype, the same leading dimensions;
    returns (..., Lq, Dv). scale defaults to 1/sqrt(D) (PyTorch's scaled_dot_product_attention).
    causal: query i sees keys j <= i + Lk - Lq. The scores never leave cache; ``naive=True``
    runs the reference twin that materializes them.
    """
    qa, ka, va = as_array(q, "q"), as_array(k, "k"), as_array(v, "v")
    if scale is None:
        depth = qa.shape[-1] if qa.ndim else 0
        scale = 1.0 / math.sqrt(depth) if depth > 0 else 1.0
    s = float(scale)
    cost = lambda q_, k_, v_, *_: _native.attention_cost(q_.shape, k_.shape, v_.shape,
                                                         _dtype(q_, k_, v_), bool(causal))
    return wrap_like(q, _exec("attention", _native.attention, (qa, ka, va, s, bool(causal),
                                                               bool(naive)), cost))


# ---- element-wise -------------------------------------------------------------------------------

def _gelu_cost(x, *_):
    return _native.gelu_cost(x.size, _dtype(x))


def _unfused_gelu_cost(x, *_):
    return _native.gelu_cost(x.size, _dtype(x), False)


def _gelu_erf_cost(x, *_):
    return _native.gelu_erf_cost(x.size, _dtype(x))


def _unary_out(name, fn, fn_out, cost, x, out):
    xa = as_array(x, "x")
    if out is None:
        return wrap_like(x, _exec(name, fn, (xa,), cost))
    _exec(name, fn_out, (xa, check_out(out)), cost)
    return out


def fused_gelu(x: Any, out: Optional[np.ndarray] = None) -> Any:
    """GELU, tanh form, in one pass with no temporaries:
    ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))``.

    float32 agrees with the formula in float64 within 1e-6 + 1e-5·|ref| for every finite input;
    GELU(+inf) = +inf, GELU(-inf) = 0, NaN gives NaN. out: a C-contiguous array of x's shape and
    dtype (may be x itself), written in place and returned.
    """
    return _unary_out("fused_gelu", _native.fused_gelu, _native.fused_gelu_out, _gelu_cost, x,
                      out)


def unfused_gelu(x: Any) -> Any:
    """The seed's eight-pass GELU, every intermediate materialized: the baseline fusion beats."""
    xa = as_array(x, "x")
    return wrap_like(x, _exec("unfused_gelu", _native.unfused_gelu, (xa,), _unfused_gelu_cost))


def gelu_erf(x: Any, out: Optional[np.ndarray] = None) -> Any:
    """Exact GELU, ``0.5·x·(1 + erf(x/√2))`` (PyTorch's default), fused; same accuracy contract
    and ``out=`` rules as :func:`fused_gelu`."""
    return _unary_out("gelu_erf", _native.gelu_erf, _native.gelu_erf_out, _gelu_erf_cost, x, out)


def bias_gelu(x: Any, bias: Any, out: Optional[np.ndarray] = None) -> Any:
    """``fused_gelu(x + bias)`` in one pass; bias is 1-D of length x.shape[-1]."""
    xa, ba = as_array(x, "x"), as_array(bias, "bias")
    cost = lambda x_, b_, *_: _native.bias_gelu_cost(*_rows_cols(x_), _dtype(x_, b_))
    if out is None:
        return wrap_like(x, _exec("bias_gelu", _native.bias_gelu, (xa, ba), cost))
    _exec("bias_gelu", _native.bias_gelu_out, (xa, ba, check_out(out)), cost)
    return out


def layernorm(x: Any, gamma: Any, beta: Any, eps: float = 1e-5) -> Any:
    """LayerNorm over the last axis, one pass per row: ``(x - mean)/sqrt(var + eps)·gamma +
    beta`` with the biased variance (PyTorch's). gamma, beta: 1-D of length x.shape[-1]."""
    xa, ga, ba = as_array(x, "x"), as_array(gamma, "gamma"), as_array(beta, "beta")
    cost = lambda x_, *_: _native.layernorm_cost(*_rows_cols(x_), _dtype(x_))
    return wrap_like(x, _exec("layernorm", _native.layernorm, (xa, ga, ba, float(eps)), cost))


def add_layernorm(x: Any, sublayer_out: Any, gamma: Any, beta: Any,
                  eps: float = 1e-5) -> Tuple[Any, Any]:
    """The pre-LN block's seam in one pass per row: returns ``(s, layernorm(s))`` with
    ``s = x + sublayer_out``."""
    xa, sa = as_array(x, "x"), as_array(sublayer_out, "sublayer_out")
    ga, ba = as_array(gamma, "gamma"), as_array(beta, "beta")
    cost = lambda x_, *_: _native.add_layernorm_cost(*_rows_cols(x_), _dtype(x_))
    s, n = _exec("add_layernorm", _native.add_layernorm, (xa, sa, ga, ba, float(eps)), cost)
    return wrap_like(x, s), wrap_like(x, n)


def softmax(x: Any, scale: float = 1.0, causal: bool = False) -> Any:
    """``softmax(scale·x)`` over the last axis, numerically stable, exp and sum in one pass.

    causal (2-D and up): in the last two dims (q, k), key j is masked for query i when
    j > i + (k_len - q_len); masked entries are exactly 0, a fully masked row is all zeros.
    """
    xa = as_array(x, "x")
    cost = lambda x_, *_: _native.softmax_cost(*_rows_cols(x_), _dtype(x_), bool(causal))
    return wrap_like(x, _exec("softmax", _native.softmax, (xa, float(scale), bool(causal)), cost))


def add(a: Any, b: Any) -> Any:
    """``a + b`` (equal shapes)."""
    x, y = as_array(a, "a"), as_array(b, "b")
    return wrap_like(a, _exec("add", _native.add, (x, y),
                              lambda x_, y_: _native.add_cost(x_.size, _dtype(x_, y_))))


def mul(a: Any, b: Any) -> Any:
    """``a * b`` (equal shapes)."""
    x, y = as_array(a, "a"), as_array(b, "b")
    return wrap_like(a, _exec("mul", _native.mul, (x, y),
                              lambda x_, y_: _native.add_cost(x_.size, _dtype(x_, y_))))


def add_mul(a: Any, b: Any, c: Any) -> Any:
    """``(a + b) * c`` in one pass (equal shapes)."""
    x, y, z = as_array(a, "a"), as_array(b, "b"), as_array(c, "c")
    return wrap_like(a, _exec("add_mul", _native.add_mul, (x, y, z),
                              lambda x_, *_: _native.add_mul_cost(x_.size, _dtype(x_))))
