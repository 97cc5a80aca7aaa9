#!/usr/bin/python3
"""Our transformer block in float32, bfloat16 and int8 weights, timed in one session.

The same seeded weights (the float32 block of --seed, converted with .to()) and input; forward
passes alternate between the precisions pass by pass, so that load on a shared machine hits
them alike. Prints each one's median and minimum over --passes passes and its speed-up over
float32 (ratio of medians). `tinyaccel profile transformer --precision ...` breaks one down per
layer.

usage: .venv-test/bin/python bench/lowp_block_speed.py [--d-model 768 --heads 12 --ffn 3072
       --seq 512 --batch 1 --threads 2 --passes 15] [--json out.json]
"""
import argparse
import json
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--d-model", type=int, default=768)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--ffn", type=int, default=3072)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--passes", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    import numpy as np
    import tinyaccel as ta
    ta.set_num_threads(args.threads)
    f32 = ta.nn.TransformerBlock.random(args.d_model, args.heads, args.ffn, seed=args.seed)
    blocks = {"float32": f32, "bfloat16": f32.to("bfloat16"), "int8": f32.to("int8")}
    x = np.random.default_rng(args.seed).standard_normal(
        (args.batch, args.seq, args.d_model)).astype(np.float32)
    for block in blocks.values():  # warm-up: packing buffers, pages, clocks
        block(x)
        block(x)
    samples = {name: [] for name in blocks}
    for _ in range(args.passes):
        for name, block in blocks.items():
            start = time.perf_counter()
            block(x)
            samples[name].append(time.perf_counter() - start)
    base = statistics.median(samples["float32"])
    rows = []
    print(f"transformer block {args.d_model}/{args.heads}/{args.ffn}, seq {args.seq}, batch "
          f"{args.batch}, {args.threads} threads, {args.passes} alternating passes each")
    print(f"{'weights':<10} {'median ms':>10} {'min ms':>10} {'x float32':>10}")
    for name, s in samples.items():
        med = statistics.median(s)
        rows.append(dict(precision=name, median_ms=1e3 * med, min_ms=1e3 * min(s),
                         speedup_vs_float32=base / med))
        print(f"{name:<10} {1e3 * med:10.2f} {1e3 * min(s):10.2f} {base / med:10.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": vars(args), "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
