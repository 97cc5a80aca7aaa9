"""The measurements ``tinyaccel bench``, ``roofline`` and ``report`` run, as Python calls: the
same library functions the CLI calls, returning every number as a dict (the JSON the CLI's
``--json`` prints). Progress lines go to stderr with ``verbose=True``."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence

from . import _native
from .roofline import Roofline

__all__ = ["compare_matmul_backends", "compare_fusion", "measure_roofs", "run_report"]


def compare_matmul_backends(sizes: Sequence[int] = (), shapes: Sequence[str] = (), *,
                            backends: Sequence[str] = ("naive", "tiled", "packed", "blas"),
                            dtype: str = "float32", threads: Optional[int] = None,
                            repeats: int = 5, quick: bool = False,
                            naive_max_gflop: Optional[float] = None, torch: str = "",
                            verbose: bool = False) -> Dict[str, Any]:
    """Every matmul backend on the same operands in one run (``tinyaccel bench matmul``).

    sizes: square N (M = K = N); shapes: "MxKxN" strings or "transformer"; both empty: 64..2048
    (quick: 64 256 512 1024 and 1x768x768). Each row: median time, GFLOP/s (2·M·N·K), % of the FMA
    peak measured at the start, speedup over naive and ratio to BLAS where those ran. naive and
    tiled run only up to ``naive_max_gflop`` per call (skipped ones are listed, never
    extrapolated).

    dtype "bfloat16" or "int8": our float32 GEMM, ours in that precision (int8 also with the
    dynamic quantization of A: "int8 linear"), the naive twin if asked for, oneDNN's matmul when
    the library was built with it, and (bfloat16) PyTorch's matmul run by ``torch`` ("" =
    /usr/bin/python3 and .venv/bin/python where present, "none" = skip), alternating sample by
    sample. Rows then carry "implementation", G(FL)OP/s, % of the precision's dot-product peak
    ("peak_instruction"), "ratio_vs_f32" and "ratio_vs_onednn"; "notes" says which peers did not
    run and why. Default problems: 1024, 2048 and "transformer" (quick: 512 and 1x768x768).
    """
    return json.loads(_native.compare_matmul_backends(
        list(sizes), list(shapes), list(backends), dtype, threads or 0, repeats, quick,
        naive_max_gflop, torch, verbose))


def compare_fusion(sizes: Sequence[str] = (), ops: Sequence[str] = (), *,
                   dtype: str = "float32", threads: Optional[int] = None, quick: bool = False,
                   torch: str = "", verbose: bool = False) -> Dict[str, Any]:
    """Fused vs unfused element-wise ops (``tinyaccel bench fusion``): time of the fused call,
    its out= form and the op-by-op twin, GB/s by declared bytes, % of the copy bandwidth measured
    on the same working set, peak tensor memory.

    sizes: "N" elements with binary K/M suffixes (64K = 65536) or "ROWSxCOLS"; ops: names from
    gelu gelu_erf bias_gelu layernorm add_layernorm softmax add_mul (default all). torch: the
    interpreter for the PyTorch peer ("" = /usr/bin/python3 and .venv/bin/python where present,
    "none" = skip).
    """
    return json.loads(_native.compare_fusion(list(sizes), list(ops), dtype, threads or 0, quick,
                                             torch, verbose))


def measure_roofs(dtype: str = "float32", verbose: bool = False) -> Roofline:
    """Quick roofs to place ops on (a few seconds): the FMA peak at the active instruction set
    and a copy-bandwidth sweep with its cache-level plateaus. :func:`tinyaccel.roofline` measures
    the full set."""
    return Roofline(_native.measure_roofs(dtype, verbose))


def run_report(out_dir: str = "report", *, quick: bool = False, threads: Optional[int] = None,
               sections: Sequence[str] = (), plots: bool = True,
               precisions: Sequence[str] = (), verbose: bool = True) -> Dict[str, Any]:
    """``tinyaccel report``: machine, roofline, matmul backends, fusion, transformer block
    (accelerated vs naive) into ``out_dir`` (summary.md, report.json, charts). sections: a subset
    of system roofline matmul fusion transformer (default all); precisions: Linear weight
    precisions ("bfloat16", "int8") the transformer section also profiles. Returns report.json's
    contents; a section that failed is listed under "failed" and the others still ran."""
    return json.loads(_native.run_report(str(out_dir), quick, threads or 0, list(sections),
                                         plots, list(precisions), verbose))
