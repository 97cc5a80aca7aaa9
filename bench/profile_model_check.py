#!/usr/bin/python3
"""profile_model's per-op times against torch.profiler's own, on the same models.

For each model — nn.TransformerEncoderLayer(768, 12, 3072, batch_first, norm_first, gelu) on a
(1, 512, 768) input, and a 3-layer MLP (768 → 3072 → 3072 → 768, GELU) on (512, 768) — runs
tinyaccel.profile_model, then an independent torch.profiler session over the same number of
passes, and compares each op's time: profile_model's median per call against the profiler's
median CPU time over the calls of the op with the same name and input shapes. Rounds
alternate the two, so load on a shared machine reaches both alike; the figure is
the median ratio per op over the rounds.

usage: .venv-test/bin/python bench/profile_model_check.py [--threads 2] [--rounds 3]
       [--iterations 10] [--json out.json]
"""
import argparse
import json
import statistics
import sys


def models(torch):
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True).eval()
    mlp = nn.Sequential(nn.Linear(768, 3072), nn.GELU(), nn.Linear(3072, 3072), nn.GELU(),
                        nn.Linear(3072, 768)).eval()
    return [("TransformerEncoderLayer 768/12/3072, seq 512", layer, torch.randn(1, 512, 768)),
            ("3-layer MLP 768-3072-3072-768, 512 rows", mlp, torch.randn(512, 768))]


def profiler_times(torch, model, x, warmup, iterations):
    """torch.profiler's median CPU time per call (ms) by (op name, input shapes), over every call
    of that op in `iterations` passes (the median, as profile_model reports: one preempted call
    on a shared machine moves a mean by more than the 10% this checks)."""
    from torch.profiler import ProfilerActivity, profile
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for _ in range(iterations):
                model(x)
    calls = {}
    for e in prof.events():
        shapes = "x".join("(" + ",".join(map(str, s)) + ")" for s in e.input_shapes if s)
        calls.setdefault((e.name, shapes), []).append(e.cpu_time_total * 1e-3)
    return {key: statistics.median(times) for key, times in calls.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    import torch
    import tinyaccel as ta
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    ta.set_num_threads(args.threads)
    roofs = ta.roofline(quick=True)
    results = []
    worst = 0.0
    for title, model, x in models(torch):
        # An op that runs several times with the same shapes (two LayerNorms, two GELUs) is one
        # key of the reference: ours are averaged over the same calls.
        ratios = {}
        for _ in range(args.rounds):
            p = ta.profile_model(model, x, warmup=2, iterations=args.iterations, roofline=roofs,
                                 swap=False)
            reference = profiler_times(torch, model, x, 2, args.iterations)
            ours = {}
            for o in p.ops:
                ours.setdefault((o.name, o.shapes), []).append(o.median_ms)
            for key, times in ours.items():
                if key in reference:
                    ratios.setdefault(key, []).append(statistics.mean(times) / reference[key])
        print(f"{title} ({args.threads} threads, {args.rounds} rounds of {args.iterations} passes)")
        print(f"  {'op':<34} {'shapes':<38} {'ours/profiler':>13}")
        rows = []
        for key in dict.fromkeys((o.name, o.shapes) for o in p.ops):
            name, shapes = key
            if key not in ratios:
                print(f"  {name:<34} {shapes:<38} {'not matched':>13}")
                continue
            r = statistics.median(ratios[key])
            worst = max(worst, abs(r - 1))
            rows.append({"op": name, "shapes": shapes, "ratio": r, "rounds": ratios[key]})
            print(f"  {name:<34} {shapes:<38} {r:>13.3f}")
        results.append({"model": title, "ops": rows})
    print(f"largest deviation from torch.profiler: {100 * worst:.1f}%")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "models": results, "worst": worst}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
