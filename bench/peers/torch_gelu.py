#!/usr/bin/env python3
"""PyTorch peer for `tinyaccel bench fusion`: times torch.nn.functional.gelu(x,
approximate='tanh') on a ROWSxCOLS float32 input with a given thread count and prints one JSON
line: {"torch_version", "threads", "shape", "median_ms", "min_ms", "samples"}; or
{"error": "..."} when torch cannot be imported (exit status 0 either way, so the bench can
report why the peer did not run).

Usage: torch_gelu.py --rows 2000 --cols 2000 --threads 2 [--quick]
"""
import argparse
import json
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--cols", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except Exception as exc:  # torch missing or broken: say so, let the caller go on
        print(json.dumps({"error": f"cannot import torch with {sys.executable}: {exc}"}))
        return 0
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(args.rows, args.cols, generator=gen, dtype=torch.float32)
    with torch.inference_mode():
        for _ in range(3):  # warm-up: thread pool, allocator, clocks
            F.gelu(x, approximate="tanh")
        target = 0.1 if args.quick else 0.5
        samples = []
        start = time.perf_counter()
        while len(samples) < 5 or (time.perf_counter() - start < target and len(samples) < 200):
            t0 = time.perf_counter()
            F.gelu(x, approximate="tanh")
            samples.append(time.perf_counter() - t0)
    print(json.dumps({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "shape": [args.rows, args.cols],
        "median_ms": statistics.median(samples) * 1e3,
        "min_ms": min(samples) * 1e3,
        "samples": len(samples),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
