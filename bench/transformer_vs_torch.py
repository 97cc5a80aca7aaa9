#!/usr/bin/python3
"""Our transformer block vs PyTorch's nn.TransformerEncoderLayer, side by side in one session.

Same configuration on both sides (default 768/12/3072, seq 512, batch 1, float32, 2 threads),
same weights (PyTorch's seeded layer is saved as .npz and loaded with `--weights`), rounds
alternating between the two so that machine noise hits both alike. PyTorch runs in eval mode
under torch.inference_mode() (its fastest path: the fused encoder-layer kernel when eligible),
with torch.set_num_threads(threads). Ours is `tinyaccel profile transformer --json`: total_ms is
the median of its timed forward passes. The naive twin runs once at the full size by default
(--naive-iterations), timed, never extrapolated.

Each --torch-python interpreter (default: Debian's /usr/bin/python3 with python3-torch 1.13, and
the checkout's .venv/bin/python with the newest PyPI torch when scripts/peers-venv made it) is
timed in its own subprocess.

usage: /usr/bin/python3 bench/transformer_vs_torch.py [--cli build/apps/tinyaccel/tinyaccel]
       [--d-model 768 --heads 12 --ffn 3072 --seq 512 --batch 1 --threads 2] [--rounds 3]
       [--iterations 10] [--naive-iterations 1 | --skip-naive] [--torch-python PY ...]
       [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def worker(args):
    """Runs inside the interpreter under test: times its torch, prints one JSON line."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(args.d_model, args.heads, dim_feedforward=args.ffn,
                                             dropout=0.1, activation="gelu", batch_first=True,
                                             norm_first=True).eval()
    if args.save_weights:
        import numpy as np
        np.savez(args.save_weights,
                 **{k: v.detach().numpy().astype(np.float32) for k, v in layer.state_dict().items()})
    x = torch.randn(args.batch, args.seq, args.d_model)
    samples = []
    with torch.inference_mode():
        for _ in range(2):
            layer(x)
        for _ in range(args.iterations):
            start = time.perf_counter()
            layer(x)
            samples.append(time.perf_counter() - start)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "median_ms": 1e3 * statistics.median(samples),
                      "min_ms": 1e3 * min(samples)}))


def run_torch(python, args, save_weights=None):
    cmd = [python, os.path.abspath(__file__), "--worker", "--d-model", str(args.d_model),
           "--heads", str(args.heads), "--ffn", str(args.ffn), "--seq", str(args.seq),
           "--batch", str(args.batch), "--threads", str(args.threads), "--iterations",
           str(args.iterations)]
    if save_weights:
        cmd += ["--save-weights", save_weights]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(args, weights, naive=False):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = [args.cli, "profile", "transformer", "--weights", weights, "--heads", str(args.heads),
               "--seq", str(args.seq), "--batch", str(args.batch), "--threads", str(args.threads),
               "--json", f.name]
        if naive:
            cmd += ["--naive", "--iterations", str(args.naive_iterations), "--warmup", "0"]
        else:
            cmd += ["--iterations", str(args.iterations), "--warmup", "2"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.load(open(f.name))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--save-weights", help=argparse.SUPPRESS)
    p.add_argument("--cli", default="build/apps/tinyaccel/tinyaccel")
    p.add_argument("--d-model", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--ffn", type=int, default=3072)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--naive-iterations", type=int, default=1)
    p.add_argument("--skip-naive", action="store_true")
    p.add_argument("--torch-python", action="append", default=None)
    p.add_argument("--json")
    args = p.parse_args()
    if args.worker:
        return worker(args)
    venv = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".venv",
                                         "bin", "python"))
    pythons = args.torch_python or ["/usr/bin/python3"] + ([venv] if os.path.exists(venv) else [])
    if not os.access(args.cli, os.X_OK):
        sys.exit(f"transformer_vs_torch.py: no tinyaccel CLI at {args.cli} (pass --cli)")
    tmp = tempfile.mkdtemp(prefix="tinyaccel_vs_torch_")
    weights = os.path.join(tmp, "layer.npz")
    torch_ms = {py: [] for py in pythons}
    versions = {}
    ours_ms = []
    for r in range(args.rounds):
        for py in pythons:
            res = run_torch(py, args, save_weights=weights if not os.path.exists(weights) else None)
            versions[py] = res["torch"]
            torch_ms[py].append(res["median_ms"])
            print(f"round {r + 1}: torch {res['torch']} ({py}): {res['median_ms']:.2f} ms",
                  file=sys.stderr)
        ours = run_ours(args, weights)
        ours_ms.append(ours["total_ms"])
        print(f"round {r + 1}: tinyaccel: {ours['total_ms']:.2f} ms", file=sys.stderr)
    naive_ms = None
    if not args.skip_naive:
        print(f"naive twin, {args.naive_iterations} pass(es) at the full size...", file=sys.stderr)
        naive_ms = run_ours(args, weights, naive=True)["total_ms"]
    ours_med = statistics.median(ours_ms)
    cfg = (f"d_model {args.d_model}, heads {args.heads}, ffn {args.ffn}, seq {args.seq}, "
           f"batch {args.batch}, float32, {args.threads} threads")
    print(f"Transformer block, {cfg} (median of {args.rounds} alternating rounds, each the "
          f"median of {args.iterations} passes)")
    print(f"{'implementation':<34} {'ms':>10} {'ours is':>10}")
    print(f"{'tinyaccel (accelerated)':<34} {ours_med:>10.2f} {'':>10}")
    result = {"config": vars(args) | {"worker": None}, "tinyaccel_ms": ours_med,
              "tinyaccel_rounds_ms": ours_ms, "torch": []}
    for py in pythons:
        med = statistics.median(torch_ms[py])
        label = f"torch {versions[py]} ({py})"
        print(f"{label:<34} {med:>10.2f} {med / ours_med:>9.2f}x faster")
        result["torch"].append({"python": py, "version": versions[py], "median_ms": med,
                                "rounds_ms": torch_ms[py], "speedup": med / ours_med})
    if naive_ms is not None:
        print(f"{'tinyaccel naive twin':<34} {naive_ms:>10.2f} {naive_ms / ours_med:>9.1f}x faster"
              f"   ({args.naive_iterations} pass(es), measured)")
        result["naive_ms"] = naive_ms
        result["naive_speedup"] = naive_ms / ours_med
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(args.json + ".tmp", args.json)
    os.remove(weights)
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
