"""tinyaccel: fast ML kernels on CPUs, measured against this machine's own roofline.

NumPy-style functions over the library's C++ kernels: any array-like in (NumPy arrays of any
layout, PyTorch tensors and other ``__dlpack__`` objects, TinyTorch ``Tensor``s, lists), a NumPy
array out that owns its result (contiguous float32/float64 inputs are not copied). See
``help(tinyaccel.matmul)`` etc. for shapes, dtypes and errors.

>>> import numpy as np, tinyaccel as ta
>>> a = np.ones((64, 32), np.float32); b = np.ones((32, 16), np.float32)
>>> ta.matmul(a, b)[0, 0]
32.0
"""

from __future__ import annotations

import json
from typing import Any, Dict

from . import _native, nn
from ._native import DTypeError, ShapeError
from ._ops import (add, add_layernorm, add_mul, attention, bias_gelu, fused_gelu, gelu_erf,
                   layernorm, linear, matmul, mul, naive_matmul, softmax, tiled_matmul,
                   unfused_gelu, vectorized_matmul)
from . import naive
from .measure import compare_fusion, compare_matmul_backends, measure_roofs, run_report
from .model_profile import ModelOp, ModelProfile, profile_model
from .profiler import ForwardProfile, OpProfile, Profiler
from .roofline import Roofline, RooflineComparison, roofline, roofline_compare

try:
    from importlib.metadata import version as _version

    __version__ = _version("tinyaccel")
except Exception:  # not installed (a build tree on sys.path)
    __version__ = "unknown"

__all__ = [
    "matmul", "vectorized_matmul", "naive_matmul", "tiled_matmul", "linear", "attention",
    "fused_gelu", "unfused_gelu", "gelu_erf", "bias_gelu", "layernorm", "add_layernorm",
    "softmax", "add", "mul", "add_mul", "naive", "nn",
    "set_num_threads", "num_threads", "info", "memory_stats", "set_buffer_cache_limit",
    "release_cached_buffers", "roofline", "Roofline", "roofline_compare", "RooflineComparison",
    "measure_roofs", "compare_matmul_backends", "compare_fusion", "run_report", "Profiler",
    "ForwardProfile", "OpProfile", "profile_model", "ModelProfile", "ModelOp",
    "ShapeError", "DTypeError",
]


def set_num_threads(n: int) -> None:
    """Threads for every kernel (ours and the BLAS backend alike); n >= 1. The default is
    TINYACCEL_NUM_THREADS when set, else the CPUs this process may run on."""
    _native.set_num_threads(int(n))


def num_threads() -> int:
    """The thread count kernels use now."""
    return _native.num_threads()


def info() -> Dict[str, Any]:
    """This machine and build, as ``tinyaccel info --json`` prints it: CPU, instruction sets (CPU
    and OS support), active ISA, caches, cores, BLAS, threads, build flags."""
    return json.loads(_native.system_info_json())


def memory_stats() -> Dict[str, int]:
    """The tensor allocator's accounting: current_bytes (live tensor buffers), peak_bytes (since
    the last reset), allocations, cached_bytes (freed large buffers kept for reuse)."""
    return _native.memory_stats()


def set_buffer_cache_limit(nbytes: int) -> None:
    """Most bytes of freed large tensor buffers kept for reuse (0 disables the cache). Reusing a
    buffer saves the page faults of fresh memory: a new 16 MB result costs ~4000 of them."""
    _native.set_buffer_cache_limit(int(nbytes))


def release_cached_buffers() -> None:
    """Returns every cached buffer to the system now."""
    _native.release_cached_buffers()
