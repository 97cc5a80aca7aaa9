"""Op-call recording for the Profiler: while a Recorder is active, every tinyaccel op call is
timed and its declared cost (FLOPs and bytes, computed by the library from the call's shapes)
kept. Process-wide: calls from other threads during a recording are recorded too."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import numpy as np


@dataclass
class Call:
    """One recorded op call."""

    name: str
    shapes: str        # input shapes, e.g. "(32,256)x(256,256)"
    dtype: str
    flops: int         # declared by the library for these shapes
    bytes: int         # compulsory traffic: inputs read once, outputs written once
    seconds: float     # wall time of the call


class Recorder:
    def __init__(self) -> None:
        self.calls: List[Call] = []

    def run(self, name: str, fn: Callable[..., Any], args: tuple,
            cost: Callable[..., Tuple[int, int]]) -> Any:
        flops, nbytes = cost(*args)
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        start = time.perf_counter()
        result = fn(*args)
        seconds = time.perf_counter() - start
        shapes = "x".join("(" + ",".join(map(str, a.shape)) + ")" for a in arrays)
        dtype = "float64" if any(a.dtype.itemsize == 8 for a in arrays) else "float32"
        self.calls.append(Call(name, shapes, dtype, int(flops), int(nbytes), seconds))
        return result

    def record(self, name: str, shapes: str, dtype: str, flops: int, nbytes: int,
               seconds: float) -> None:
        """Adds a call measured elsewhere (a compiled module's forward pass)."""
        self.calls.append(Call(name, shapes, dtype, int(flops), int(nbytes), seconds))


active: Optional[Recorder] = None


class recording:
    """``with recording() as rec:`` records the op calls made inside the block."""

    def __enter__(self) -> Recorder:
        global active
        self._previous, active = active, Recorder()
        return active

    def __exit__(self, *exc: Any) -> None:
        global active
        active = self._previous
