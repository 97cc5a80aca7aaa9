#!/usr/bin/env python3
"""What a tinyaccel call costs from Python, side by side with NumPy and PyTorch, in one run.

1. Per-call time of small ops (a 64³ float32 matmul, a 1K-element GELU): tinyaccel, NumPy,
   PyTorch, alternating, medians of repeated batches.
2. A call taken apart, step by step (1-element arrays, so the kernel is ~free): the Python
   wrapper's argument handling, the extension's array import, the result array's creation.
3. Large kernels from Python vs the same kernels from the CLI (the package's own `tinyaccel`,
   same library): 2000x2000 GELU (new array and out=) and 2048³ matmul into a preallocated C.

Usage: python bench/python_overhead.py [--threads N] [--quick] [--json]
Run it with the interpreter tinyaccel is installed in (scripts/python-env makes .venv-test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

import tinyaccel as ta
from tinyaccel import _native
from tinyaccel._arrays import as_array

try:
    import torch
except ImportError:  # the PyTorch column is then left out
    torch = None


def per_call_us(fn, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean time of `calls` back-to-back calls, in microseconds."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(times)


def alternate(fns: dict, calls: int, rounds: int) -> dict:
    """Each function's per-call median, measured in alternation so drift hits all alike."""
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(per_call_us(fn, calls, 1))
    return {name: statistics.median(v) for name, v in samples.items()}


def small_ops(calls: int, rounds: int) -> list:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64), dtype=np.float32)
    b = rng.standard_normal((64, 64), dtype=np.float32)
    x = rng.standard_normal(1024, dtype=np.float32)
    c = np.sqrt(2 / np.pi)
    cases = {
        "matmul 64³": {"tinyaccel": lambda: ta.matmul(a, b), "numpy": lambda: np.matmul(a, b)},
        "gelu 1K": {"tinyaccel": lambda: ta.fused_gelu(x),
                    "numpy": lambda: 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x**3)))},
    }
    if torch is not None:
        ta_, tb_, tx_ = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(x)
        cases["matmul 64³"]["torch"] = lambda: torch.matmul(ta_, tb_)
        cases["gelu 1K"]["torch"] = lambda: torch.nn.functional.gelu(tx_, approximate="tanh")
    rows = []
    for op, fns in cases.items():
        r = alternate(fns, calls, rounds)
        rows.append({"op": op, **{f"{k}_us": v for k, v in r.items()},
                     "tinyaccel_minus_numpy_us": r["tinyaccel"] - r["numpy"]})
    return rows


def steps(calls: int, rounds: int) -> list:
    x, out = np.ones(1, np.float32), np.empty(1, np.float32)
    a = np.ones((1, 1), np.float32)
    measured = alternate({
        "Python wrapper: argument checks (as_array)": lambda: as_array(x, "x"),
        "extension call, one array in, nothing out (fused_gelu_out)":
            lambda: _native.fused_gelu_out(x, out),
        "extension call, one array in, a new array out (fused_gelu)":
            lambda: _native.fused_gelu(x),
        "the whole ta.fused_gelu(x)": lambda: ta.fused_gelu(x),
        "extension matmul, two arrays in, one out (1x1, packed)":
            lambda: _native.matmul(a, a, "packed"),
        "the whole ta.matmul(a, b) (1x1)": lambda: ta.matmul(a, a),
        "numpy.matmul (1x1)": lambda: np.matmul(a, a),
    }, calls, rounds)
    return [{"step": k, "us": v} for k, v in measured.items()]


def cli_json(args: list) -> dict:
    cmd = [sys.executable, "-m", "tinyaccel", *args, "--json"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def large_kernels(threads: int, rounds: int) -> list:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2000, 2000), dtype=np.float32)
    out = np.empty_like(x)
    n = 2048
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    py = {"gelu 2000x2000 (new array)": [], "gelu 2000x2000 (out=)": [],
          "matmul 2048³ (into C)": []}
    cli = {k: [] for k in py}
    for _ in range(rounds):
        py["gelu 2000x2000 (new array)"].append(per_call_us(lambda: ta.fused_gelu(x), 50, 3))
        py["gelu 2000x2000 (out=)"].append(per_call_us(lambda: ta.fused_gelu(x, out=out), 50, 3))
        py["matmul 2048³ (into C)"].append(
            per_call_us(lambda: ta.matmul(a, b, "packed", out=c), 3, 3))
        f = cli_json(["bench", "fusion", "--ops", "gelu", "--sizes", "2000x2000", "--threads",
                      str(threads), "--torch", "none"])["rows"][0]
        cli["gelu 2000x2000 (new array)"].append(f["fused_ms"] * 1e3)
        cli["gelu 2000x2000 (out=)"].append(f["fused_out_ms"] * 1e3)
        m = cli_json(["bench", "matmul", "--sizes", str(n), "--backends", "packed", "--threads",
                      str(threads), "--repeats", "3"])["results"][0]
        cli["matmul 2048³ (into C)"].append(m["median_s"] * 1e6)
    return [{"kernel": k, "python_ms": statistics.median(py[k]) / 1e3,
             "cli_ms": statistics.median(cli[k]) / 1e3,
             "python_over_cli": statistics.median(py[k]) / statistics.median(cli[k])}
            for k in py]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None, help="threads (default: all CPUs)")
    p.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    opts = p.parse_args()
    if opts.threads:
        ta.set_num_threads(opts.threads)
        if torch is not None:
            torch.set_num_threads(opts.threads)
    threads = ta.num_threads()
    calls, rounds = (200, 3) if opts.quick else (2000, 9)
    result = {"threads": threads, "numpy": np.__version__,
              "torch": torch.__version__ if torch is not None else None,
              "small_ops": small_ops(calls, rounds), "steps": steps(calls * 5, rounds),
              "large_kernels": large_kernels(threads, 1 if opts.quick else 3)}
    if opts.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"tinyaccel from Python, {threads} threads; NumPy {result['numpy']}, "
          f"PyTorch {result['torch']}")
    print("\nper call (µs, medians, alternating):")
    for r in result["small_ops"]:
        cols = "  ".join(f"{k[:-3]} {v:8.2f}" for k, v in r.items() if k.endswith("_us"))
        print(f"  {r['op']:<12} {cols}")
    print("\na call step by step (1-element arrays; µs):")
    for s in result["steps"]:
        print(f"  {s['us']:7.3f}  {s['step']}")
    print("\nlarge kernels, Python vs the CLI (ms, medians):")
    for r in result["large_kernels"]:
        print(f"  {r['kernel']:<28} python {r['python_ms']:8.3f}  cli {r['cli_ms']:8.3f}  "
              f"ratio {r['python_over_cli']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
