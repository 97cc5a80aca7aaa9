"""Your own model on this machine's roofline.

``profile_model(model, example_input)`` runs the model, takes every compute op of one forward
pass with its measured time, FLOPs and bytes, and places it under this machine's measured roofs:
arithmetic intensity, GFLOP/s, the memory level its working set lives in, efficiency, what bounds
it, and what would help. Ops that tinyaccel has a kernel for are timed again as tinyaccel runs
them, on the same shapes, next to the framework's own kernel (the speed-up if swapped in).

- ``torch.nn.Module``: ops and times come from ``torch.profiler`` (each op's total CPU time, the
  same number ``torch.profiler`` reports for it, as a median over the profiled passes, taken with
  FLOP counting off; one more pass counts them); FLOPs are
  tinyaccel's declared cost for ops it knows (matmuls, GELU, LayerNorm, softmax, attention, add,
  mul) and PyTorch's own count otherwise; bytes follow from the input shapes and the dtype
  (inputs read once, the output written once).
- any other callable built on tinyaccel ops (works without PyTorch): the ops it calls, timed as
  they run, with their declared costs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _native, _ops
from .measure import measure_roofs
from .profiler import Profiler, efficiency_cell
from .roofline import Roofline

__all__ = ["profile_model", "ModelProfile", "ModelOp"]


@dataclass
class ModelOp:
    """One op of the forward pass (ops of the same name and shapes at different places in the
    pass are separate rows)."""

    name: str
    shapes: str
    median_ms: float          # per call
    time_share: float         # of the sum over ops
    flops: int
    bytes: int
    cost_source: str          # "tinyaccel" (declared cost), "torch" (its FLOP count) or "shapes"
    intensity: float
    gflops: float
    level: str
    attainable_gflops: float
    efficiency: float
    bound: str
    recommendation: str
    tinyaccel_kernel: Optional[str] = None
    tinyaccel_ms: Optional[float] = None
    framework_ms: Optional[float] = None  # the framework's kernel, timed like tinyaccel's
    speedup: Optional[float] = None       # framework_ms / tinyaccel_ms
    flag: Optional[str] = None            # why it is above every roof it could belong to


@dataclass
class ModelProfile:
    model: str
    source: str               # "torch.profiler" or "tinyaccel ops"
    total_ms: float           # one forward pass, median
    ops: List[ModelOp] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        head = ("op", "shapes", "ms", "share", "GFLOP", "FLOP/B", "GFLOP/s", "level", "eff",
                "bound", "tinyaccel", "speed-up")
        rows = [(o.name, o.shapes, f"{o.median_ms:.3f}", f"{100 * o.time_share:.1f}%",
                 f"{o.flops * 1e-9:.3f}", f"{o.intensity:.1f}", f"{o.gflops:.1f}", o.level,
                 efficiency_cell(o.efficiency, o.flag), o.bound, o.tinyaccel_kernel or "",
                 f"{o.speedup:.2f}x" if o.speedup else "") for o in self.ops]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        left = {0, 1, 7, 9, 10}
        line = lambda r: "  ".join(c.ljust(w) if i in left else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(r, widths)))
        out = [f"{self.model}: {self.total_ms:.3f} ms per forward pass ({self.source})",
               line(head), *map(line, rows), "recommendations:"]
        out += [f"  {o.name} {o.shapes}: {o.recommendation}" for o in self.ops
                if o.time_share >= 0.05 and not o.flag]
        flagged = [o for o in self.ops if o.flag]
        if flagged:
            out.append("* above every roof it could belong to (efficiency not meaningful):")
            out += [f"  {o.name} {o.shapes}: {o.flag}" for o in flagged]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


def profile_model(model: Any, example_input: Any, *, warmup: int = 2, iterations: int = 5,
                  roofline: Optional[Roofline] = None, swap: bool = True) -> ModelProfile:
    """Profiles one forward pass of ``model`` on ``example_input`` (a tensor/array or a tuple of
    them) and places each op on this machine's roofline (``roofline``, default
    :func:`tinyaccel.measure_roofs`). ``swap``: time tinyaccel's kernel for each op it has one
    for, next to the framework's, on the same shapes."""
    if warmup < 0 or iterations < 1:
        raise ValueError(f"warmup must be >= 0 and iterations >= 1, got {warmup}, {iterations}")
    roofs = roofline or Profiler().roofline()
    torch = _torch_if_module(model)
    if torch is not None:
        return _profile_torch(torch, model, example_input, warmup, iterations, roofs, swap)
    prof = Profiler(roofs).profile_forward_pass(model, example_input, warmup, iterations)
    ops = [ModelOp(o.name, o.shapes, o.median_ms, o.time_share, o.flops, o.bytes, "tinyaccel",
                   o.intensity, o.gflops, o.level, o.attainable_gflops, o.efficiency, o.bound,
                   o.recommendation, o.name, flag=o.flag) for o in prof.ops]
    return ModelProfile(getattr(model, "__name__", type(model).__name__), "tinyaccel ops",
                        prof.total_ms, ops)


def _torch_if_module(model: Any):
    try:
        import torch
    except ImportError:
        return None
    return torch if isinstance(model, torch.nn.Module) else None


# ---- PyTorch ------------------------------------------------------------------------------------

# Ops that do arithmetic; an op inside another one of these (native_layer_norm inside layer_norm)
# is part of its parent's row. Composites whose work is all in such children (aten::linear ->
# addmm, aten::matmul -> mm/bmm) are not listed: their children are the rows.
_COMPUTE = {
    "aten::mm", "aten::addmm", "aten::_addmm_activation", "aten::bmm", "aten::baddbmm",
    "aten::layer_norm", "aten::native_layer_norm", "aten::softmax", "aten::_softmax",
    "aten::_masked_softmax", "aten::gelu", "aten::relu", "aten::add", "aten::add_", "aten::mul",
    "aten::mul_", "aten::div", "aten::sub", "aten::tanh", "aten::sum", "aten::mean",
    "aten::scaled_dot_product_attention", "aten::_transform_bias_rescale_qkv", "aten::conv1d",
    "aten::conv2d", "aten::convolution",
}

def _iteration_of(event) -> Optional[int]:
    e = event.cpu_parent
    while e is not None:
        if e.name.startswith("tinyaccel.pass "):
            return int(e.name.split()[-1])
        e = e.cpu_parent
    return None


def _selected(event) -> bool:
    """An arithmetic op none of whose callers is one."""
    if event.name not in _COMPUTE:
        return False
    e = event.cpu_parent
    while e is not None:
        if e.name in _COMPUTE:
            return False
        e = e.cpu_parent
    return True


def _outermost(events: list) -> list:
    """The events in start order without those that start inside an earlier one on its thread:
    the profiler's tree sometimes leaves a child (native_layer_norm) unlinked from its parent,
    with an end stamped a microsecond after the parent's, so only the start tells."""
    kept: list = []
    busy_until: Dict[int, int] = {}
    for e in sorted(events, key=lambda e: (e.time_range.start, -e.time_range.end)):
        if e.time_range.start < busy_until.get(e.thread, e.time_range.start):
            continue
        kept.append(e)
        busy_until[e.thread] = e.time_range.end
    return kept


def _profile_torch(torch, model, example, warmup, iterations, roofs, swap) -> ModelProfile:
    from torch.profiler import ProfilerActivity, profile, record_function

    inputs = example if isinstance(example, tuple) else (example,)
    inputs = tuple(torch.as_tensor(np.asarray(x)) if isinstance(x, np.ndarray) else x
                   for x in inputs)
    itemsize = next((x.element_size() for x in inputs if hasattr(x, "element_size")), 4)
    dtype = "float64" if itemsize == 8 else "float32"
    model.eval()
    totals = []

    def ops_per_pass(prof, passes: int) -> List[list]:
        per_pass: Dict[int, list] = {}
        for e in prof.events():
            it = _iteration_of(e)
            if it is not None and _selected(e):
                per_pass.setdefault(it, []).append(e)
        return [_outermost(per_pass.get(i, [])) for i in range(passes)]

    # Times come from a session without FLOP counting (counting can slow an op it counts); the
    # FLOPs PyTorch counts come from one more pass with it on.
    with torch.inference_mode():
        for _ in range(warmup):
            model(*inputs)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for i in range(iterations):
                with record_function(f"tinyaccel.pass {i}"):
                    start = time.perf_counter()
                    model(*inputs)
                    totals.append(time.perf_counter() - start)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                     with_flops=True) as counted:
            with record_function("tinyaccel.pass 0"):
                model(*inputs)
    passes = ops_per_pass(prof, iterations)
    signature = [(e.name, e.input_shapes) for e in passes[0]]
    if any([(e.name, e.input_shapes) for e in p] != signature for p in passes):
        raise ValueError("the model ran different ops on different passes; profile one "
                         "deterministic forward pass")
    counted_flops: Dict[Tuple[str, str], int] = {}
    for e in ops_per_pass(counted, 1)[0]:
        counted_flops.setdefault((e.name, str(e.input_shapes)), e.flops)
    medians = [statistics.median(p[i].cpu_time_total for p in passes) * 1e-6
               for i in range(len(signature))]
    whole = sum(medians)
    ops = []
    for i, e in enumerate(passes[0]):
        name, shapes = e.name, [tuple(s) for s in e.input_shapes]
        torch_flops = counted_flops.get((name, str(e.input_shapes)), 0)
        flops, nbytes, source = _torch_op_cost(name, shapes, torch_flops, itemsize, dtype)
        shown = "x".join("(" + ",".join(map(str, s)) + ")" for s in shapes if s)
        placed = roofs.place(f"{name} {shown}", flops, nbytes, medians[i], dtype=dtype)
        op = ModelOp(name, shown, medians[i] * 1e3, medians[i] / whole if whole else 0.0, flops,
                     nbytes, source, placed["intensity"], placed["gflops"], placed["level"],
                     placed["attainable_gflops"], placed["efficiency"], placed["bound"],
                     placed["recommendation"], flag=placed["flag"])
        if swap:
            _swap_in(torch, op, name, shapes, dtype)
        ops.append(op)
    return ModelProfile(type(model).__name__, "torch.profiler", statistics.median(totals) * 1e3,
                        ops)


def _numel(shape: Tuple[int, ...]) -> int:
    return int(np.prod(shape)) if shape else 1


def _rows_cols(shape) -> Tuple[int, int]:
    cols = shape[-1] if shape else 1
    return (_numel(shape) // cols if cols else 0), cols


def _torch_op_cost(name, shapes, torch_flops, itemsize, dtype) -> Tuple[int, int, str]:
    """(FLOPs, bytes, source): tinyaccel's declared cost where it has the op, else PyTorch's
    FLOP count and the bytes of the inputs read once and an output of the first input's size."""
    s = [x for x in shapes if x]
    try:
        if name in ("aten::mm", "aten::bmm"):
            f, b = _native.matmul_cost(s[0], s[1], dtype)
            return f, b, "tinyaccel"
        if name in ("aten::addmm", "aten::baddbmm", "aten::_addmm_activation"):  # (bias, a, b)
            f, b = _native.matmul_cost(s[1], s[2], dtype)
            out = _numel(s[1][:-1]) * s[2][-1]
            f, b = f + out, b + _numel(s[0]) * itemsize
            if name == "aten::_addmm_activation":  # + GELU (or ReLU) in the same pass
                f += _native.gelu_erf_cost(out, dtype)[0]
            return f, b, "tinyaccel"
        if name in ("aten::layer_norm", "aten::native_layer_norm"):
            f, b = _native.layernorm_cost(*_rows_cols(s[0]), dtype)
            return f, b, "tinyaccel"
        if name in ("aten::softmax", "aten::_softmax", "aten::_masked_softmax"):
            f, b = _native.softmax_cost(*_rows_cols(s[0]), dtype)
            return f, b, "tinyaccel"
        if name == "aten::gelu":
            f, b = _native.gelu_erf_cost(_numel(s[0]), dtype)
            return f, b, "tinyaccel"
        if name in ("aten::add", "aten::add_", "aten::mul", "aten::mul_") and len(s) == 2 \
                and s[0] == s[1]:
            f, b = _native.add_cost(_numel(s[0]), dtype)
            return f, b, "tinyaccel"
        if name == "aten::scaled_dot_product_attention":
            f, b = _native.attention_cost(s[0], s[1], s[2], dtype)
            return f, b, "tinyaccel"
    except (ValueError, IndexError):
        pass  # shapes outside tinyaccel's contract: counted from the shapes below
    read = sum(_numel(x) for x in s) * itemsize
    written = (_numel(s[0]) if s else 0) * itemsize
    return int(torch_flops or 0), read + written, "torch" if torch_flops else "shapes"


def _time_pair(fw: Callable[[], Any], ours: Callable[[], Any], rounds: int = 5) -> Tuple[float, float]:
    """Median seconds per call of each, measured in alternation (batches of ~2 ms)."""
    fw(), ours()
    start = time.perf_counter()
    ours()
    calls = max(1, min(200, int(2e-3 / max(time.perf_counter() - start, 1e-7))))
    a, b = [], []
    for _ in range(rounds):
        for fn, sink in ((fw, a), (ours, b)):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            sink.append((time.perf_counter() - start) / calls)
    return statistics.median(a), statistics.median(b)


def _swap_in(torch, op: ModelOp, name: str, shapes, dtype: str) -> None:
    """Times tinyaccel's kernel for this op next to PyTorch's, on random inputs of its shapes."""
    s = [x for x in shapes if x]
    tdt = torch.float64 if dtype == "float64" else torch.float32
    r = lambda *shape: torch.randn(*shape, dtype=tdt)
    try:
        if name in ("aten::mm", "aten::bmm") and len(s) >= 2:
            a, b = r(*s[0]), r(*s[1])
            an, bn = a.numpy(), b.numpy()
            pair, kernel = (lambda: torch.matmul(a, b), lambda: _ops.matmul(an, bn)), "matmul"
        elif name in ("aten::addmm", "aten::_addmm_activation") and len(s) == 3:
            bias, a, w = r(*s[0]), r(*s[1]), r(s[2][1], s[2][0])
            bn, an, wn = bias.numpy(), a.numpy(), w.numpy()
            if name == "aten::addmm":
                pair = (lambda: torch.addmm(bias, a, w.t()), lambda: _ops.linear(an, wn, bn))
                kernel = "linear"
            else:  # nn.TransformerEncoderLayer's fast path: linear1 and its GELU in one call
                pair = (lambda: torch.nn.functional.gelu(torch.addmm(bias, a, w.t())),
                        lambda: _ops.linear(an, wn, bn, activation="gelu_erf"))
                kernel = "linear + gelu_erf"
        elif name in ("aten::layer_norm", "aten::native_layer_norm"):
            x = r(*s[0])
            g, b = torch.ones(s[0][-1], dtype=tdt), torch.zeros(s[0][-1], dtype=tdt)
            xn, gn, bn = x.numpy(), g.numpy(), b.numpy()
            pair = (lambda: torch.nn.functional.layer_norm(x, (s[0][-1],), g, b),
                    lambda: _ops.layernorm(xn, gn, bn))
            kernel = "layernorm"
        elif name in ("aten::softmax", "aten::_softmax"):
            x = r(*s[0])
            xn = x.numpy()
            pair, kernel = (lambda: torch.softmax(x, -1), lambda: _ops.softmax(xn)), "softmax"
        elif name == "aten::gelu":
            x = r(*s[0])
            xn = x.numpy()
            pair = (lambda: torch.nn.functional.gelu(x), lambda: _ops.gelu_erf(xn))
            kernel = "gelu_erf"
        elif name in ("aten::add", "aten::mul") and len(s) == 2 and s[0] == s[1]:
            a, b = r(*s[0]), r(*s[1])
            an, bn = a.numpy(), b.numpy()
            fw = torch.add if name == "aten::add" else torch.mul
            mine = _ops.add if name == "aten::add" else _ops.mul
            pair, kernel = (lambda: fw(a, b), lambda: mine(an, bn)), name[6:]
        elif name == "aten::scaled_dot_product_attention" and len(s) >= 3:
            q, k, v = r(*s[0]), r(*s[1]), r(*s[2])
            qn, kn, vn = q.numpy(), k.numpy(), v.numpy()
            pair = (lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v),
                    lambda: _ops.attention(qn, kn, vn))
            kernel = "attention"
        else:
            return
        with torch.inference_mode():
            fw_s, ours_s = _time_pair(*pair)
    except (ValueError, TypeError, RuntimeError):
        return  # shapes outside tinyaccel's contract: no swap
    op.tinyaccel_kernel, op.tinyaccel_ms, op.framework_ms = kernel, ours_s * 1e3, fw_s * 1e3
    op.speedup = fw_s / ours_s if ours_s > 0 else None
