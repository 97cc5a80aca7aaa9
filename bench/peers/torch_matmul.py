#!/usr/bin/python3
"""PyTorch's matmul, timed on request: the peer of `tinyaccel bench matmul --dtype bfloat16`.

Prepares A (M x K) and B (K x N) of the dtype (seeded normal values) and C, runs two warm-up
calls of torch.matmul(A, B, out=C), prints one JSON line ({"ready": true, "torch_version": ...,
"threads": ...}, or {"error": "..."} when torch cannot be used), then answers each line of
stdin holding a count N with the seconds per call of N calls timed here (C is bfloat16 for
bfloat16 operands: PyTorch's matmul keeps the operands' dtype). EOF or 0 ends it.

usage: torch_matmul.py --m M --k K --n N [--threads T] [--dtype bfloat16|float32]
"""
import argparse
import json
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--m", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    args = parser.parse_args()
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"error": f"cannot import torch ({sys.executable}): {e}"}), flush=True)
        return 0
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(args.m, args.k, generator=gen).to(dtype)
    b = torch.randn(args.k, args.n, generator=gen).to(dtype)
    c = torch.empty(args.m, args.n, dtype=dtype)
    with torch.inference_mode():
        for _ in range(2):
            torch.matmul(a, b, out=c)
        print(json.dumps({"ready": True, "torch_version": torch.__version__,
                          "threads": torch.get_num_threads()}), flush=True)
        for line in iter(sys.stdin.readline, ""):
            calls = int(line)
            if calls <= 0:
                break
            start = time.perf_counter()
            for _ in range(calls):
                torch.matmul(a, b, out=c)
            print(repr((time.perf_counter() - start) / calls), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
