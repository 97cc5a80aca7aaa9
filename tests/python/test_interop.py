"""Arrays across the boundary: zero copies, ownership, lifetime, other array types, bad input."""

import gc

import numpy as np
import pytest

import tinyaccel as ta
from tinyaccel import _native

from conftest import gelu_ref


def test_contiguous_float_inputs_are_not_copied(rng):
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((40, 30)).astype(dtype)
        assert _native.borrowed_address(x) == x.ctypes.data
        f = np.asfortranarray(x)
        assert _native.borrowed_address(f) == f.ctypes.data
        view = x[3:, ::2]
        assert _native.borrowed_address(view) == view.ctypes.data
        assert ta._arrays.as_array(x, "x") is x


def test_negative_strides_are_copied_not_misread(rng):
    x = rng.standard_normal((5, 6)).astype(np.float32)
    flipped = x[::-1, ::-1]
    assert _native.borrowed_address(flipped) != flipped.ctypes.data
    np.testing.assert_allclose(ta.fused_gelu(flipped), gelu_ref(flipped), rtol=1e-5, atol=1e-6)


def test_result_owns_the_tensor_buffer_without_a_copy(rng):
    x = rng.standard_normal((512, 512)).astype(np.float32)
    before = ta.memory_stats()["current_bytes"]
    y = ta.fused_gelu(x)
    # The array holds the library's buffer: it is counted as live while y lives...
    assert ta.memory_stats()["current_bytes"] - before == y.nbytes
    assert not y.flags.owndata and y.flags.c_contiguous and y.flags.writeable
    assert not np.shares_memory(y, x)
    del y
    gc.collect()
    # ...and released when y goes.
    assert ta.memory_stats()["current_bytes"] == before


def test_result_outlives_everything_that_made_it(rng):
    def make():
        a = rng.standard_normal((64, 32)).astype(np.float32)
        b = rng.standard_normal((32, 16)).astype(np.float32)
        return ta.matmul(a, b), a.astype(np.float64) @ b.astype(np.float64)

    results = [make() for _ in range(5)]
    gc.collect()
    ta.fused_gelu(np.ones((1024, 1024), np.float32))  # reuse freed memory if anything leaked
    for r, ref in results:
        np.testing.assert_allclose(r, ref, rtol=1e-4, atol=1e-4)
    view = results[0][0][::2]
    del results
    gc.collect()
    assert view.shape == (32, 16) and np.all(np.isfinite(view))


def test_torch_tensors_through_dlpack():
    torch = pytest.importorskip("torch")
    t = torch.randn(33, 17)
    y = ta.fused_gelu(t)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    np.testing.assert_allclose(y, gelu_ref(t.numpy()), rtol=1e-5, atol=1e-6)
    assert _native.borrowed_address(np.from_dlpack(t)) == t.data_ptr()
    w = torch.randn(8, 17, requires_grad=True)
    np.testing.assert_allclose(ta.linear(t, w), (t @ w.T).detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ta.matmul(t.T, t), (t.T @ t).numpy(), rtol=1e-4, atol=1e-3)
    ints = torch.arange(12).reshape(3, 4)
    assert ta.matmul(ints, ints.T).dtype == np.float64


class TinyTensor:
    """TinyTorch's Tensor as far as the seed's code relies on it: a `.data` ndarray."""

    def __init__(self, data):
        self.data = np.asarray(data)

    @property
    def shape(self):
        return self.data.shape


def test_data_objects_come_back_in_their_own_type(rng):
    a = TinyTensor(rng.standard_normal((6, 5)).astype(np.float32))
    b = TinyTensor(rng.standard_normal((5, 4)).astype(np.float32))
    for r in (ta.vectorized_matmul(a, b), ta.matmul(a, b), ta.tiled_matmul(a, b, 2)):
        assert isinstance(r, TinyTensor)
        np.testing.assert_allclose(r.data, a.data @ b.data, rtol=1e-5, atol=1e-5)
    g = ta.fused_gelu(a)
    assert isinstance(g, TinyTensor)
    assert np.allclose(g.data, ta.unfused_gelu(a).data, atol=1e-6)
    with pytest.raises(ValueError, match="2D\\+"):
        ta.vectorized_matmul(TinyTensor([1, 2, 3]), TinyTensor([[1], [2], [3]]))
    with pytest.raises(ValueError, match="shape mismatch"):
        ta.vectorized_matmul(TinyTensor([[1, 2]]), TinyTensor([[1, 2]]))


@pytest.mark.parametrize("bad", [None, "text", object(), {"a": 1}, np.ones(3, complex),
                                 np.array(["a", "b"]), np.array([object()] * 4),
                                 np.array(["2026-01-01"], dtype="datetime64[D]")])
def test_unsupported_inputs_raise_type_error(bad):
    with pytest.raises(TypeError):
        ta.fused_gelu(bad)
    with pytest.raises(TypeError):
        ta.matmul(bad, np.ones((2, 2)))


def test_ragged_lists_raise_value_error():
    with pytest.raises(ValueError):
        ta.fused_gelu([[1, 2], [3]])


def test_big_endian_and_zero_size():
    x = np.arange(6, dtype=">f4").reshape(2, 3)
    np.testing.assert_allclose(ta.fused_gelu(x), gelu_ref(x), rtol=1e-5, atol=1e-6)
    assert ta.fused_gelu(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert ta.matmul(np.zeros((3, 0)), np.zeros((0, 2))).tolist() == [[0.0, 0.0]] * 3


def test_five_d_broadcast(rng):
    a = rng.standard_normal((2, 1, 3, 4, 5)).astype(np.float32)
    b = rng.standard_normal((4, 1, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(ta.matmul(a, b), np.matmul(a.astype(float), b), rtol=1e-5,
                               atol=1e-5)


def test_errors_are_the_standard_types():
    assert issubclass(ta.ShapeError, ValueError) and issubclass(ta.DTypeError, TypeError)
    with pytest.raises(ValueError):
        ta.set_num_threads(0)
    with pytest.raises(TypeError):
        ta.softmax(np.ones((2, 2)), scale=None)
    with pytest.raises(ValueError, match="causal"):
        ta.softmax(np.ones(4), causal=True)
