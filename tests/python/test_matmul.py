"""matmul and its family against a float64 NumPy reference."""

import numpy as np
import pytest

import tinyaccel as ta

from conftest import layouts

BACKENDS = ["auto", "packed", "blas", "tiled", "naive"]
SHAPES = [((1, 1), (1, 1)), ((7, 13), (13, 5)), ((65, 33), (33, 17)), ((1, 300), (300, 77)),
          ((130, 1), (1, 40)), ((3, 4, 5), (5, 2)), ((2, 1, 3, 5, 7), (4, 1, 7, 3)),
          ((0, 5), (5, 3)), ((3, 0), (0, 4)), ((2, 0, 3), (3, 4))]


def check(result, a, b):
    ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert result.shape == ref.shape
    k = a.shape[-1]
    wide = result.dtype == np.float64
    scale = np.matmul(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64)))
    bound = (1e-13 if wide else 2e-6) * (k + 1) * scale + 1e-30
    assert np.all(np.abs(result - ref) <= bound)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_matches_reference(rng, backend, sa, sb, dtype):
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    r = ta.matmul(a, b, backend)
    assert r.dtype == dtype and isinstance(r, np.ndarray)
    check(r, a, b)


@pytest.mark.parametrize("backend", ["auto", "packed", "tiled"])
def test_every_layout(rng, backend):
    a = rng.standard_normal((37, 19)).astype(np.float32)
    b = rng.standard_normal((19, 23)).astype(np.float32)
    for la, xa in layouts(a):
        for lb, xb in layouts(b):
            check(ta.matmul(xa, xb, backend), a, b)


def test_transposed_views(rng):
    a = rng.standard_normal((40, 30)).astype(np.float32)
    check(ta.matmul(a.T, a), a.T, a)
    check(ta.matmul(a, a.T), a, a.T)


def test_dtypes_promote_and_convert(rng):
    a32 = rng.standard_normal((5, 6)).astype(np.float32)
    b64 = rng.standard_normal((6, 4))
    assert ta.matmul(a32, b64).dtype == np.float64
    ints = np.arange(30).reshape(5, 6)
    r = ta.matmul(ints, ints.T)
    assert r.dtype == np.float64 and np.array_equal(r, (ints @ ints.T).astype(np.float64))
    bools = ints % 2 == 0
    assert np.array_equal(ta.matmul(bools, bools.T), (bools.astype(float) @ bools.T))
    half = a32.astype(np.float16)
    assert ta.matmul(half, half.T).dtype == np.float32


def test_lists_and_scalars_of_valid_shape():
    assert np.array_equal(ta.matmul([[1, 2]], [[3], [4]]), [[11.0]])


def test_seed_names(rng):
    a = rng.standard_normal((33, 20)).astype(np.float32)
    b = rng.standard_normal((20, 9)).astype(np.float32)
    for fn in (ta.vectorized_matmul, ta.naive_matmul, lambda x, y: ta.tiled_matmul(x, y, 8),
               lambda x, y: ta.tiled_matmul(x, y, tile_size=1000)):
        check(fn(a, b), a, b)


def test_out_writes_in_place(rng):
    a = rng.standard_normal((16, 8)).astype(np.float32)
    b = rng.standard_normal((8, 12)).astype(np.float32)
    out = np.full((16, 12), np.nan, np.float32)
    address = out.ctypes.data
    assert ta.matmul(a, b, out=out) is out
    assert out.ctypes.data == address
    check(out, a, b)
    batched = np.empty((3, 16, 12), np.float32)
    ta.matmul(np.stack([a] * 3), b, out=batched)
    check(batched, np.stack([a] * 3), b)


def test_out_overlapping_an_input_is_computed_exactly(rng):
    a = rng.standard_normal((8, 8)).astype(np.float32)
    ref = a.astype(np.float64) @ a.astype(np.float64)
    ta.matmul(a, a, out=a)
    assert np.allclose(a, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", [None, "relu", "gelu", "gelu_erf"])
def test_linear(rng, activation):
    from conftest import gelu_erf_ref, gelu_ref
    x = rng.standard_normal((2, 5, 24)).astype(np.float32)
    w = rng.standard_normal((17, 24)).astype(np.float32)
    bias = rng.standard_normal(17).astype(np.float32)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + bias
    ref = {None: lambda v: v, "relu": lambda v: np.maximum(v, 0), "gelu": gelu_ref,
           "gelu_erf": gelu_erf_ref}[activation](ref)
    r = ta.linear(x, w, bias, activation)
    assert r.shape == (2, 5, 17)
    np.testing.assert_allclose(r, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ta.linear(x, w), x.astype(np.float64) @ w.T.astype(np.float64),
                               rtol=1e-4, atol=1e-4)


def test_shape_errors_keep_the_library_words():
    with pytest.raises(ValueError, match="2D\\+"):
        ta.matmul(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="2D\\+"):
        ta.matmul([1, 2, 3], [[1], [2], [3]])  # the seed's integer lists: shape first
    with pytest.raises(ValueError, match="shape mismatch"):
        ta.matmul([[1, 2]], [[1, 2]])
    with pytest.raises(ta.ShapeError, match="do not broadcast"):
        ta.matmul(np.ones((2, 3, 4)), np.ones((5, 4, 2)))
    with pytest.raises(ValueError, match="tile_size"):
        ta.tiled_matmul(np.ones((2, 2)), np.ones((2, 2)), 0)
    with pytest.raises(ValueError, match="backend"):
        ta.matmul(np.ones((2, 2)), np.ones((2, 2)), "fast")
    with pytest.raises(ValueError, match="in_features"):
        ta.linear(np.ones((2, 3)), np.ones((4, 5)))


def test_out_errors():
    a = np.ones((4, 4), np.float32)
    with pytest.raises(TypeError, match="out"):
        ta.matmul(a, a, out=[[0.0] * 4] * 4)
    with pytest.raises(ValueError, match="read-only"):
        ro = np.zeros((4, 4), np.float32)
        ro.flags.writeable = False
        ta.matmul(a, a, out=ro)
    with pytest.raises(ValueError):
        ta.matmul(a, a, out=np.zeros((4, 5), np.float32))
    with pytest.raises(TypeError):
        ta.matmul(a, a, out=np.zeros((4, 4), np.float64))
