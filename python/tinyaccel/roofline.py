"""This machine's roofline: measured compute and memory ceilings, and kernels placed under them."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Union

from . import _native


class Roofline:
    """A roofline run: ceilings (FMA peak per instruction set and dtype, L1/L2/L3/DRAM bandwidth
    plateaus) and placed kernels. Made by :func:`roofline` or loaded from a saved JSON file."""

    def __init__(self, report: "_native.RooflineReport") -> None:
        self._report = report

    @classmethod
    def from_json(cls, text: str) -> "Roofline":
        """A run from the JSON that :meth:`to_json` (or ``tinyaccel roofline --json``) wrote."""
        return cls(_native.RooflineReport.from_json(text))

    @classmethod
    def load(cls, path: "str | os.PathLike[str]") -> "Roofline":
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())

    def to_json(self) -> str:
        return self._report.to_json()

    def to_dict(self) -> Dict[str, Any]:
        """Metadata, compute roofs, bandwidth sweeps and plateaus, placed kernels: every number."""
        return json.loads(self._report.to_json())

    def save(self, path: "str | os.PathLike[str]") -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def text(self) -> str:
        """The tables ``tinyaccel roofline`` prints."""
        return self._report.text()

    def csv(self) -> str:
        return self._report.csv()

    def plot(self, path: "str | os.PathLike[str]") -> str:
        """Draws the roofline to ``path`` (.svg or .png, by gnuplot) and returns the path.
        OSError when gnuplot is missing or fails, ValueError for another extension."""
        self._report.plot(os.fspath(path))
        return os.fspath(path)

    @property
    def threads(self) -> int:
        return self._report.threads

    def place(self, name: str, flops: int, bytes: int, seconds: float,
              working_set_bytes: Optional[int] = None, dtype: str = "float32") -> Dict[str, Any]:
        """Where a kernel of this cost and measured time sits: intensity (FLOP/B), GFLOP/s, the
        memory level that served it (the first cache its working set, default ``bytes``, fits
        at this run's thread count, or a faster one its rate shows: ``placed_by_rate``;
        ``level_reason`` says which), the attainable rate there, efficiency (fraction of it),
        its bound ("memory", "compute", or "overhead" for a call of under 50 µs below 25% of
        its roof), a one-line recommendation, and ``flag``: None, or why the point is above
        every roof it could belong to (its efficiency is then no efficiency)."""
        ws = bytes if working_set_bytes is None else working_set_bytes
        return self._report.place(name, int(flops), int(bytes), int(ws), float(seconds), dtype)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        d = self.to_dict()
        return (f"<Roofline: {len(d.get('compute_roofs', []))} compute roofs, "
                f"{len(d.get('memory_roofs', []))} memory levels, {len(d.get('kernels', []))} kernels>")


def roofline(quick: bool = True, threads: Optional[int] = None, kernels: bool = True,
             verbose: bool = False) -> Roofline:
    """Measures this machine's roofline (what ``tinyaccel roofline`` does).

    quick: fewer sizes and shorter probes (well under a minute) instead of the full sweep
    (several minutes). threads: default :func:`tinyaccel.num_threads`. kernels: also place the
    library's kernels (element-wise, GELU, softmax, LayerNorm, matmul on every backend).
    verbose: progress lines on stderr.
    """
    return Roofline(_native.run_roofline(quick, threads or 0, kernels, verbose))


RunLike = Union["Roofline", str, "os.PathLike[str]"]


def _run(run: RunLike) -> "_native.RooflineReport":
    if isinstance(run, Roofline):
        return run._report
    text = os.fspath(run)
    if isinstance(run, str) and text.lstrip().startswith("{"):
        return _native.RooflineReport.from_json(text)
    return _native.roofline_from_file(text)


class RooflineComparison:
    """Two roofline runs compared point by point, matched by label (labels carry the size):
    the change in GFLOP/s, arithmetic intensity and efficiency (of each run's own roof), and
    both runs' ceilings. Made by :func:`roofline_compare`."""

    def __init__(self, native: "_native.RooflineComparison") -> None:
        self._native = native

    def to_json(self) -> str:
        return self._native.to_json()

    def to_dict(self) -> Dict[str, Any]:
        """``before``/``after`` ceilings, ``kernels`` (per matched point: before, after,
        gflops_ratio, intensity_ratio, speedup, efficiency_change), ``only_before``,
        ``only_after``."""
        return json.loads(self._native.to_json())

    @property
    def kernels(self) -> List[Dict[str, Any]]:
        return self.to_dict()["kernels"]

    def text(self) -> str:
        """The tables ``tinyaccel roofline --compare`` prints."""
        return self._native.text()

    def plot(self, path: "str | os.PathLike[str]") -> str:
        """Both runs on one roofline, an arrow per kernel (.svg with tooltips, or .png); returns
        the path. OSError when gnuplot is missing or fails, ValueError for another extension."""
        self._native.plot(os.fspath(path))
        return os.fspath(path)

    def __str__(self) -> str:
        return self.text()


def roofline_compare(before: RunLike, after: RunLike) -> RooflineComparison:
    """Compares two roofline runs (what ``tinyaccel roofline --compare BEFORE AFTER`` does).

    Each run is a :class:`Roofline`, a path to a roofline JSON file or a report's report.json,
    a report directory (its roofline.json), or the JSON text itself. Nothing is measured.
    ValueError when a file is not a roofline run; OSError when it cannot be read.
    """
    return RooflineComparison(_native.compare_rooflines(_run(before), _run(after)))
