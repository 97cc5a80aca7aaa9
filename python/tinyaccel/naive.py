"""The reference twins: scalar loops evaluated in double, the oracle the fast kernels are
tested against. Same shapes, dtypes and errors as the fast functions; slow by design."""

from __future__ import annotations

from typing import Any, Tuple

from . import _native
from ._arrays import as_array, wrap_like

__all__ = ["matmul", "gelu", "gelu_erf", "bias_gelu", "layernorm", "add_layernorm", "softmax",
           "attention", "add", "mul", "add_mul"]


def matmul(a: Any, b: Any) -> Any:
    return wrap_like(a, _native.matmul(as_array(a, "a"), as_array(b, "b"), "naive"))


def gelu(x: Any) -> Any:
    return wrap_like(x, _native.naive_gelu(as_array(x, "x")))


def gelu_erf(x: Any) -> Any:
    return wrap_like(x, _native.naive_gelu_erf(as_array(x, "x")))


def bias_gelu(x: Any, bias: Any) -> Any:
    return wrap_like(x, _native.naive_bias_gelu(as_array(x, "x"), as_array(bias, "bias")))


def layernorm(x: Any, gamma: Any, beta: Any, eps: float = 1e-5) -> Any:
    return wrap_like(x, _native.naive_layernorm(as_array(x, "x"), as_array(gamma, "gamma"),
                                                as_array(beta, "beta"), float(eps)))


def add_layernorm(x: Any, sublayer_out: Any, gamma: Any, beta: Any,
                  eps: float = 1e-5) -> Tuple[Any, Any]:
    s, n = _native.naive_add_layernorm(as_array(x, "x"), as_array(sublayer_out, "sublayer_out"),
                                       as_array(gamma, "gamma"), as_array(beta, "beta"),
                                       float(eps))
    return wrap_like(x, s), wrap_like(x, n)


def softmax(x: Any, scale: float = 1.0, causal: bool = False) -> Any:
    return wrap_like(x, _native.naive_softmax(as_array(x, "x"), float(scale), bool(causal)))


def attention(q: Any, k: Any, v: Any, scale: float = None, causal: bool = False) -> Any:
    from ._ops import attention as fused
    return fused(q, k, v, scale, causal, naive=True)


def add(a: Any, b: Any) -> Any:
    return wrap_like(a, _native.naive_add(as_array(a, "a"), as_array(b, "b")))


def mul(a: Any, b: Any) -> Any:
    return wrap_like(a, _native.naive_mul(as_array(a, "a"), as_array(b, "b")))


def add_mul(a: Any, b: Any, c: Any) -> Any:
    return wrap_like(a, _native.naive_add_mul(as_array(a, "a"), as_array(b, "b"),
                                              as_array(c, "c")))
