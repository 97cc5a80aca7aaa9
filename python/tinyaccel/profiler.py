"""The Profiler of TinyTorch's module 14, on measured numbers: latency from repeated timed
calls, FLOPs and bytes as the library declares them for every op the model runs (not an
estimate), memory from the tensor allocator's accounting, and each op placed on this machine's
measured roofline.

A model is any callable, or any object with a ``forward`` method, built on tinyaccel ops.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from . import _native, _recording
from .nn import TransformerBlock
from .measure import measure_roofs
from .roofline import Roofline

__all__ = ["Profiler", "ForwardProfile", "OpProfile"]

_shared_roofs: Optional[Roofline] = None


def _forward(model: Any) -> Callable[[Any], Any]:
    fn = getattr(model, "forward", None)
    if callable(fn):
        return fn
    if callable(model):
        return model
    raise TypeError(f"model: expected a callable or an object with forward(), got "
                    f"{type(model).__name__}")


def _example(input_shape: Any) -> Any:
    """A seeded float32 input of this shape, or the example itself when one is given."""
    if isinstance(input_shape, (tuple, list)) and all(isinstance(d, (int, np.integer))
                                                      for d in input_shape):
        return np.random.default_rng(0).standard_normal(tuple(input_shape), np.float32)
    return input_shape


def _nbytes(x: Any) -> int:
    data = x if isinstance(x, np.ndarray) else getattr(x, "data", None)
    return int(data.nbytes) if isinstance(data, np.ndarray) else 0


def _parameter_bytes(model: Any) -> int:
    """Bytes of the arrays a model holds: its state_dict when it has one, else the arrays (or
    ``.data`` arrays) among its attributes and in lists/tuples/dicts of them, one level deep."""
    if isinstance(model, TransformerBlock):
        return sum(a.nbytes for a in model.state_dict().values())
    total = 0
    for value in getattr(model, "__dict__", {}).values():
        items = value.values() if isinstance(value, dict) else (
            value if isinstance(value, (list, tuple)) else [value])
        total += sum(_nbytes(v) for v in items)
    return total


@dataclass
class OpProfile:
    """One op call of the forward pass, placed on the roofline."""

    name: str
    shapes: str
    dtype: str
    median_ms: float
    time_share: float
    flops: int
    bytes: int
    intensity: float
    gflops: float
    level: str
    attainable_gflops: float
    efficiency: float
    bound: str             # "memory", "compute" or "overhead"
    recommendation: str
    flag: Optional[str] = None  # why the point is above every roof it could belong to, if it is


def efficiency_cell(efficiency: float, flag: Optional[str]) -> str:
    """The table's efficiency: a flagged point reads ">100%*" (its note says why)."""
    return ">100%*" if flag else f"{100 * efficiency:.0f}%"


@dataclass
class ForwardProfile:
    """``Profiler.profile_forward_pass``'s result: one row per op call in execution order."""

    total_ms: float
    ops: List[OpProfile] = field(default_factory=list)
    flops: int = 0
    bytes: int = 0
    threads: int = 1

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        head = ("op", "shapes", "ms", "share", "GFLOP", "FLOP/B", "GFLOP/s", "level", "roof",
                "eff", "bound")
        rows = [(o.name, o.shapes, f"{o.median_ms:.3f}", f"{100 * o.time_share:.1f}%",
                 f"{o.flops * 1e-9:.3f}", f"{o.intensity:.1f}", f"{o.gflops:.1f}", o.level,
                 f"{o.attainable_gflops:.0f}", efficiency_cell(o.efficiency, o.flag), o.bound)
                for o in self.ops]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        line = lambda r: "  ".join(c.ljust(w) if i < 2 or i == 7 or i == 10 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(r, widths)))
        rate = self.flops * 1e-9 / (self.total_ms * 1e-3) if self.total_ms > 0 else 0.0
        notes = [f"  {o.name} {o.shapes}: {o.flag}" for o in self.ops if o.flag]
        if notes:
            notes.insert(0, "* above every roof it could belong to (efficiency not meaningful):")
        return "\n".join([line(head), *map(line, rows), *notes,
                          f"total {self.total_ms:.3f} ms, {self.flops * 1e-9:.3f} GFLOP, "
                          f"{rate:.1f} GFLOP/s, {self.threads} threads"])

    def __str__(self) -> str:
        return self.table()


class Profiler:
    """Measures models built on tinyaccel ops. Every method stores its result in
    ``measurements`` (keys "latency", "flops", "memory", "forward_pass") as well.

    roofline: the roofs ops are placed on; default: measured once per process on first use
    (:func:`tinyaccel.measure_roofs`, a few seconds).
    """

    def __init__(self, roofline: Optional[Roofline] = None) -> None:
        self.measurements: Dict[str, Any] = {}
        self._roofline = roofline

    def measure_latency(self, model: Any, input_tensor: Any, warmup: int = 10,
                        iterations: int = 100) -> float:
        """Median wall time of one forward pass in milliseconds, after ``warmup`` untimed
        passes, over ``iterations`` timed ones (full statistics in measurements["latency"])."""
        if warmup < 0 or iterations < 1:
            raise ValueError(f"warmup must be >= 0 and iterations >= 1, got {warmup}, "
                             f"{iterations}")
        call = _forward(model)
        for _ in range(warmup):
            call(input_tensor)
        samples = []
        for _ in range(iterations):
            start = time.perf_counter()
            call(input_tensor)
            samples.append(time.perf_counter() - start)
        stats = _native.summarize(samples)
        self.measurements["latency"] = {k.replace("_s", "_ms"): v * 1e3 if k.endswith("_s") else v
                                        for k, v in stats.items()}
        return stats["median_s"] * 1e3

    def count_flops(self, model: Any, input_shape: Sequence[int]) -> int:
        """FLOPs of one forward pass on a float32 input of ``input_shape`` (or on the example
        input given instead): the sum of the costs the library declares for every op it runs."""
        with _recording.recording() as rec:
            _forward(model)(_example(input_shape))
        flops = sum(c.flops for c in rec.calls)
        self.measurements["flops"] = {"flops": flops, "bytes": sum(c.bytes for c in rec.calls),
                                      "ops": len(rec.calls)}
        return flops

    def measure_memory(self, model: Any, input_shape: Sequence[int]) -> Dict[str, Any]:
        """Bytes of one forward pass, from the allocator's accounting: parameters, input, output,
        activation peak (tensor buffers the pass allocated above what was live before it,
        output included), total peak, buffers allocated; and the same in MB."""
        x = _example(input_shape)
        call = _forward(model)
        _native.reset_peak_memory()
        before = _native.memory_stats()
        out = call(x)
        after = _native.memory_stats()
        params, inputs = _parameter_bytes(model), _nbytes(x)
        activations = after["peak_bytes"] - before["current_bytes"]
        result = {
            "parameter_bytes": params,
            "input_bytes": inputs,
            "output_bytes": _nbytes(out),
            "activation_peak_bytes": activations,
            "peak_bytes": params + inputs + activations,
            "allocations": after["allocations"],
        }
        result.update({k.replace("_bytes", "_mb"): v / 2**20 for k, v in list(result.items())
                       if k.endswith("_bytes")})
        self.measurements["memory"] = result
        return result

    def roofline(self) -> Roofline:
        """The roofs this profiler places ops on (measured on first use when not given)."""
        global _shared_roofs
        if self._roofline is None:
            if _shared_roofs is None:
                _shared_roofs = measure_roofs()
            self._roofline = _shared_roofs
        return self._roofline

    def profile_forward_pass(self, model: Any, input_tensor: Any, warmup: int = 2,
                             iterations: int = 10) -> ForwardProfile:
        """Every op of one forward pass: median time over ``iterations`` passes, declared FLOPs
        and bytes, arithmetic intensity, GFLOP/s, and its place on this machine's roofline
        (memory level, attainable rate, efficiency, memory- or compute-bound). A
        :class:`tinyaccel.nn.TransformerBlock` is broken down by its layers."""
        if warmup < 0 or iterations < 1:
            raise ValueError(f"warmup must be >= 0 and iterations >= 1, got {warmup}, "
                             f"{iterations}")
        roofs = self.roofline()
        if isinstance(model, TransformerBlock):
            profile = self._block_profile(model, input_tensor, roofs, warmup, iterations)
        else:
            profile = self._ops_profile(model, input_tensor, roofs, warmup, iterations)
        self.measurements["forward_pass"] = profile.to_dict()
        return profile

    def _ops_profile(self, model, x, roofs, warmup, iterations) -> ForwardProfile:
        call = _forward(model)
        for _ in range(warmup):
            call(x)
        passes, totals = [], []
        for _ in range(iterations):
            with _recording.recording() as rec:
                start = time.perf_counter()
                call(x)
                totals.append(time.perf_counter() - start)
            passes.append(rec.calls)
        signature = [(c.name, c.shapes) for c in passes[0]]
        if any([(c.name, c.shapes) for c in p] != signature for p in passes):
            raise ValueError("the model ran different ops on different passes; profile one "
                             "deterministic forward pass")
        ops = []
        medians = [statistics.median(p[i].seconds for p in passes) for i in range(len(signature))]
        for i, c in enumerate(passes[0]):
            place = roofs.place(f"{c.name} {c.shapes}", c.flops, c.bytes, medians[i],
                                dtype=c.dtype)
            ops.append(OpProfile(c.name, c.shapes, c.dtype, medians[i] * 1e3,
                                 medians[i] / sum(medians) if sum(medians) else 0.0, c.flops,
                                 c.bytes, place["intensity"], place["gflops"], place["level"],
                                 place["attainable_gflops"], place["efficiency"], place["bound"],
                                 place["recommendation"], place["flag"]))
        return ForwardProfile(statistics.median(totals) * 1e3, ops,
                              sum(o.flops for o in ops), sum(o.bytes for o in ops),
                              _native.num_threads())

    @staticmethod
    def _block_profile(block, x, roofs, warmup, iterations) -> ForwardProfile:
        p = block.profile(x, roofs, warmup, iterations)
        shape = "(" + ",".join(map(str, np.shape(getattr(x, "data", x)))) + ")"
        ops = [OpProfile(l["name"], shape, block.dtype, l["median_s"] * 1e3, l["time_share"],
                         l["flops"], l["bytes"], l["intensity"], l["gflops"], l["level"],
                         l["attainable_gflops"], l["efficiency"], l["bound"],
                         l["recommendation"], l["flag"])
               for l in p["layers"]]
        return ForwardProfile(p["total_median_s"] * 1e3, ops, p["flops"], p["bytes"],
                              p["threads"])
