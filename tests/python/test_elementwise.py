"""The fused element-wise kernels, their unfused and naive twins, against float64 references."""

import numpy as np
import pytest

import tinyaccel as ta

from conftest import (gelu_erf_ref, gelu_ref, layernorm_ref, layouts, softmax_ref,
                      tolerances)

SHAPES = [(1,), (7,), (3, 17), (2, 3, 5, 7), (1000, 33), (0, 5)]
EDGES = np.array([0.0, -0.0, 1e-40, -1e-40, 1e30, -1e30, 3.4e38, -3.4e38, np.inf, -np.inf, 5.0,
                  -5.0, 1e-3])


def assert_close(got, ref, dtype):
    rtol, atol = tolerances(dtype)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_family(rng, shape, dtype):
    x = (3 * rng.standard_normal(shape)).astype(dtype)
    for name, xv in layouts(x):
        assert_close(ta.fused_gelu(xv), gelu_ref(x), dtype)
        assert_close(ta.gelu_erf(xv), gelu_erf_ref(x), dtype)
        assert_close(ta.naive.gelu(xv), gelu_ref(x), dtype)
        assert_close(ta.naive.gelu_erf(xv), gelu_erf_ref(x), dtype)
    np.testing.assert_allclose(ta.unfused_gelu(x), gelu_ref(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_edges_and_nan(dtype):
    x = np.concatenate([EDGES, [np.nan]]).astype(dtype)
    with np.errstate(over="ignore"):
        ref = gelu_ref(x.astype(np.float64))
    ref[x == -np.inf] = 0.0  # the limit; the formula gives -inf·0
    got = ta.fused_gelu(x)
    assert np.isnan(got[-1])
    assert_close(got[:-1], ref[:-1], dtype)


def test_gelu_out_forms(rng):
    x = rng.standard_normal((64, 65)).astype(np.float32)
    out = np.empty_like(x)
    assert ta.fused_gelu(x, out=out) is out
    assert_close(out, gelu_ref(x), np.float32)
    assert ta.gelu_erf(x, out=out) is out
    assert_close(out, gelu_erf_ref(x), np.float32)
    y = x.copy()
    ta.fused_gelu(y, out=y)  # in place: out may be the input itself
    assert_close(y, gelu_ref(x), np.float32)
    b = rng.standard_normal(65).astype(np.float32)
    assert ta.bias_gelu(x, b, out=out) is out
    assert_close(out, gelu_ref(x + b.astype(np.float64)), np.float32)


def test_bias_gelu(rng):
    x = rng.standard_normal((2, 9, 31)).astype(np.float32)
    b = rng.standard_normal(31).astype(np.float32)
    ref = gelu_ref(x.astype(np.float64) + b)
    assert_close(ta.bias_gelu(x, b), ref, np.float32)
    assert_close(ta.naive.bias_gelu(x, b), ref, np.float32)
    with pytest.raises(ValueError, match="bias"):
        ta.bias_gelu(x, np.ones(30, np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layernorm(rng, dtype):
    x = (rng.standard_normal((5, 3, 129)) * 4 + 2).astype(dtype)
    g = rng.uniform(0.5, 1.5, 129).astype(dtype)
    b = rng.standard_normal(129).astype(dtype)
    ref = layernorm_ref(x, g, b)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for name, xv in layouts(x):
        np.testing.assert_allclose(ta.layernorm(xv, g, b), ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(ta.naive.layernorm(x, g, b), ref, rtol=tol, atol=tol)
    r = rng.standard_normal(x.shape).astype(dtype)
    s, n = ta.add_layernorm(x, r, g, b)
    np.testing.assert_allclose(s, x.astype(np.float64) + r, rtol=tol, atol=tol)
    np.testing.assert_allclose(n, layernorm_ref(x.astype(np.float64) + r, g, b), rtol=10 * tol,
                               atol=10 * tol)
    with pytest.raises(ValueError):
        ta.layernorm(x, g[:-1], b)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (2, 5, 9), (4, 4, 1, 130)])
def test_softmax(rng, causal, shape):
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    ref = softmax_ref(x, 0.5, causal)
    np.testing.assert_allclose(ta.softmax(x, 0.5, causal), ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ta.naive.softmax(x, 0.5, causal), ref, rtol=1e-5, atol=1e-7)


def test_softmax_rows_with_inf_and_nan():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0]],
                 np.float32)
    got = ta.softmax(x)
    np.testing.assert_allclose(got[0], softmax_ref(x[:1])[0], rtol=1e-6)
    assert np.array_equal(got[1], [0.0, 0.0, 0.0])
    assert np.all(np.isnan(got[2]))


def test_binary_ops(rng):
    a, b, c = (rng.standard_normal((17, 19)).astype(np.float32) for _ in range(3))
    np.testing.assert_allclose(ta.add(a, b), a.astype(np.float64) + b, rtol=1e-6)
    np.testing.assert_allclose(ta.mul(a, b), a.astype(np.float64) * b, rtol=1e-6)
    np.testing.assert_allclose(ta.add_mul(a, b, c), (a.astype(np.float64) + b) * c, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(ta.naive.add_mul(a, b, c), (a.astype(np.float64) + b) * c,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="shape mismatch"):
        ta.add(a, b.T)


@pytest.mark.parametrize("causal", [False, True])
def test_attention(rng, causal):
    q = rng.standard_normal((2, 3, 37, 16)).astype(np.float32)
    k = rng.standard_normal((2, 3, 45, 16)).astype(np.float32)
    v = rng.standard_normal((2, 3, 45, 8)).astype(np.float32)
    scores = q.astype(np.float64) @ np.swapaxes(k, -1, -2)
    ref = softmax_ref(scores, 0.25, causal) @ v
    np.testing.assert_allclose(ta.attention(q, k, v, causal=causal), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ta.naive.attention(q, k, v, causal=causal), ref, rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(ta.attention(q, k, v, scale=0.1, causal=causal),
                               softmax_ref(scores, 0.1, causal) @ v, rtol=1e-4, atol=1e-5)
