"""Shared helpers for the Python package's tests: float64 references and layouts."""

import math

import numpy as np
import pytest

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def gelu_ref(x):
    x = np.asarray(x, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * x * (1.0 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def gelu_erf_ref(x):
    x = np.asarray(x, np.float64)
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def layernorm_ref(x, g, b, eps=1e-5):
    x = np.asarray(x, np.float64)
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def softmax_ref(x, scale=1.0, causal=False):
    s = np.asarray(x, np.float64) * scale
    if causal:
        q, k = s.shape[-2], s.shape[-1]
        mask = np.arange(k)[None, :] > np.arange(q)[:, None] + (k - q)
        s = np.where(mask, -np.inf, s)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def tolerances(dtype):
    """(rtol, atol) for a float32 or float64 result against a float64 reference."""
    return (1e-5, 1e-6) if np.dtype(dtype) == np.float32 else (1e-12, 1e-13)


def layouts(a):
    """The same values in several memory layouts: C order, Fortran order, a strided view."""
    yield "C", np.ascontiguousarray(a)
    yield "F", np.asfortranarray(a)
    big = np.zeros(tuple(2 * d + 1 for d in a.shape), a.dtype)
    view = big[tuple(slice(1, None, 2) for _ in a.shape)]
    view[...] = a
    yield "strided", view
    if a.ndim:
        flipped = np.ascontiguousarray(np.flip(a, -1))
        yield "negative", np.flip(flipped, -1)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
