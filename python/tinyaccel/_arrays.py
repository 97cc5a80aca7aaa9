"""Array-likes in, NumPy arrays out.

In: NumPy arrays of any strides and byte order; anything with ``__dlpack__`` (PyTorch tensors,
JAX, CuPy host arrays) through ``numpy.from_dlpack``, without a copy; objects whose ``.data`` is an
array (TinyTorch's ``Tensor``); anything else ``numpy.asarray`` accepts (nested lists, scalars).
float32 and float64 are used as they are, with no copy for any layout the core can index
(non-negative strides; others are copied there). bool and integer inputs are computed in
float64 and float16 in float32, exactly; complex, object, string and other dtypes are a
``TypeError``.

Out: a NumPy array that owns its result's buffer; when the first argument was a ``.data``
object, the result is wrapped in that object's type: ``type(a)(result)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def as_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a float32 or float64 ndarray the compiled core takes (no copy when possible)."""
    if type(x) is np.ndarray:
        dt = x.dtype
        if dt is _F32 or dt is _F64:
            return x
        return _to_float(x, name)
    return _to_float(_to_ndarray(x, name), name)


def _to_ndarray(x: Any, name: str) -> np.ndarray:
    if x is None:
        raise TypeError(f"{name}: expected an array, got None")
    if isinstance(x, np.ndarray):
        return np.asarray(x)  # a subclass (np.matrix, masked) as its plain data
    if hasattr(x, "__dlpack__") and not isinstance(x, np.generic):
        return _from_dlpack(x, name)
    data = getattr(x, "data", None)
    if data is not None and not isinstance(x, (memoryview, bytes, bytearray, str)):
        return _to_ndarray(data, name)
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{name}: cannot make an array of {type(x).__name__}: {e}") from None


def _from_dlpack(x: Any, name: str) -> np.ndarray:
    if getattr(x, "requires_grad", False) and hasattr(x, "detach"):
        x = x.detach()  # the values, without the autograd graph (which DLPack refuses)
    try:
        return np.from_dlpack(x)
    except (BufferError, RuntimeError, TypeError, ValueError, AttributeError):
        pass
    try:  # e.g. bfloat16, which NumPy cannot hold: let the producer convert
        return np.asarray(x)
    except (BufferError, RuntimeError, TypeError, ValueError) as e:
        raise TypeError(f"{name}: cannot read {type(x).__name__} as a CPU array: {e}") from None


def _to_float(a: np.ndarray, name: str) -> np.ndarray:
    dt = a.dtype
    kind = dt.kind
    if kind == "f":
        if dt.itemsize == 2:
            return a.astype(_F32)
        if dt.itemsize in (4, 8):
            return a if dt.isnative else a.astype(dt.newbyteorder("="))
    elif kind in "biu":
        return a.astype(_F64)
    raise TypeError(
        f"{name}: unsupported dtype {dt}: expected float32 or float64 "
        "(bool, integer and float16 are converted)"
    )


def wrap_like(first: Any, result: Any) -> Any:
    """``result`` in the type of a ``.data`` first argument, else as it is."""
    if type(first) is np.ndarray or isinstance(first, (np.ndarray, list, tuple)):
        return result
    if hasattr(first, "__dlpack__") or getattr(first, "data", None) is None:
        return result
    return type(first)(result)


def check_out(out: Any, name: str = "out") -> np.ndarray:
    """``out`` when it is a writable ndarray, else a TypeError/ValueError naming the problem."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: expected a writable numpy.ndarray, got {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError(f"{name}: the array is read-only")
    return out
