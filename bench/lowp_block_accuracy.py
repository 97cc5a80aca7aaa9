#!/usr/bin/python3
"""Output error of the transformer block in float32, bfloat16 and int8, ours next to PyTorch's.

One configuration (default 768/12/3072, seq 512, batch 1), one seeded PyTorch
nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True) in eval mode,
one seeded input; every block below gets those weights and that input. Errors are against the
layer computed in float64 by PyTorch:
    max rel  = max |y - y64| / max |y64|
    mean rel = mean |y - y64| / mean |y64|

Ours (tinyaccel.nn.TransformerBlock of the same state_dict, converted with precision=...):
    float32, bfloat16 (the four Linear layers' weights and inputs in bfloat16, float32 sums),
    int8 (weights per output channel, activations per row, at every call).
PyTorch, in each --torch-python interpreter (default: Debian's /usr/bin/python3 with torch
1.13, and the checkout's .venv/bin/python when scripts/peers-venv made it):
    float32           the layer as it is
    bf16 autocast     under torch.autocast("cpu", dtype=torch.bfloat16): the layer as it is, and
                      the same math written out with nn.Linear modules ("explicit block")
    int8 dynamic      torch.ao.quantization.quantize_dynamic(..., {nn.Linear}, torch.qint8):
                      on the layer as it is (only linear1 and linear2 are nn.Linear modules it
                      converts: the attention's projections are not), and on the explicit block
                      (all four Linears, as ours), with the default qconfig (per-tensor weights)
                      and with per_channel_dynamic_qconfig.
Emulated (float64 NumPy on operands rounded to bfloat16, in the first interpreter): bfloat16
Linears with float32 attention (what our bfloat16 block computes) and with q, k, the softmax
probabilities and v also rounded to bfloat16: what running q·kᵀ and P·v in bfloat16 would cost.

usage: .venv-test/bin/python bench/lowp_block_accuracy.py [--d-model 768 --heads 12
       --ffn 3072 --seq 512 --batch 1 --seed 0] [--torch-python PY ...] [--json out.json]
The running interpreter needs tinyaccel and NumPy (scripts/python-env makes .venv-test).
"""
import argparse
import copy
import json
import math
import os
import subprocess
import sys
import tempfile


def worker(args):
    """Runs inside a torch interpreter: writes the weights and input (or reads them), the
    float64 reference and PyTorch's outputs into args.out."""
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    d, heads = args.d_model, args.heads
    torch.manual_seed(args.seed)
    layer = torch.nn.TransformerEncoderLayer(d, heads, dim_feedforward=args.ffn, dropout=0.1,
                                             activation="gelu", batch_first=True,
                                             norm_first=True)
    x = torch.randn(args.batch, args.seq, d)
    # The first interpreter's weights and input are everyone's.
    weights = os.path.join(args.out, "..", "weights.npz")
    xpath = os.path.join(args.out, "..", "x.npy")
    if os.path.exists(weights):
        state = dict(np.load(weights))
        layer.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        x = torch.from_numpy(np.load(xpath))
    else:
        np.savez(weights, **{k: v.detach().numpy() for k, v in layer.state_dict().items()})
        np.save(xpath, x.numpy())
    layer.eval()

    class Explicit(torch.nn.Module):
        """The same block with nn.Linear modules for the attention's projections."""

        def __init__(self):
            super().__init__()
            self.norm1, self.norm2 = layer.norm1, layer.norm2
            self.qkv = torch.nn.Linear(d, 3 * d)
            self.out = torch.nn.Linear(d, d)
            with torch.no_grad():
                self.qkv.weight.copy_(layer.self_attn.in_proj_weight)
                self.qkv.bias.copy_(layer.self_attn.in_proj_bias)
                self.out.weight.copy_(layer.self_attn.out_proj.weight)
                self.out.bias.copy_(layer.self_attn.out_proj.bias)
            self.linear1, self.linear2 = layer.linear1, layer.linear2

        def forward(self, x):
            b, s, _ = x.shape
            q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
            split = lambda t: t.reshape(b, s, heads, d // heads).transpose(1, 2)
            p = torch.softmax(split(q) @ split(k).transpose(-1, -2) / math.sqrt(d // heads), -1)
            ctx = (p @ split(v)).transpose(1, 2).reshape(b, s, d)
            y = x + self.out(ctx)
            return y + self.linear2(torch.nn.functional.gelu(self.linear1(self.norm2(y))))

    explicit = Explicit().eval()
    mha = getattr(torch.backends, "mha", None)
    if mha is not None and hasattr(mha, "set_fastpath_enabled"):
        # The stock layer's fast-path check reads .weight of its Linears, a method once they
        # are dynamically quantized.
        mha.set_fastpath_enabled(False)
    qd = torch.ao.quantization.quantize_dynamic
    per_channel = torch.ao.quantization.per_channel_dynamic_qconfig
    runs = {
        "float32": lambda: layer(x),
        "bf16 autocast": lambda: autocast(lambda: layer(x)),
        "bf16 autocast, explicit block": lambda: autocast(lambda: explicit(x)),
        "int8 dynamic (linear1, linear2)": lambda: qd(layer, {torch.nn.Linear}, torch.qint8)(x),
        "int8 dynamic, explicit block": lambda: qd(explicit, {torch.nn.Linear}, torch.qint8)(x),
        "int8 dynamic per-channel, explicit block":
            lambda: qd(explicit, {torch.nn.Linear: per_channel}, torch.qint8)(x),
    }

    def autocast(f):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return f()

    results = {}
    with torch.no_grad():
        if not os.path.exists(os.path.join(args.out, "..", "y64.npy")):
            y64 = copy.deepcopy(explicit).double()(x.double())
            np.save(os.path.join(args.out, "..", "y64.npy"), y64.numpy())
            emulate(args, layer, x.double().numpy())
        for name, run in runs.items():
            try:
                y = run()
                np.save(os.path.join(args.out, file_name(name)), y.float().numpy())
                results[name] = None
            except Exception as e:  # a PyTorch version that cannot run it: say so in the table
                results[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:80]}"
    with open(os.path.join(args.out, "names.json"), "w") as f:
        json.dump({"torch": torch.__version__, "outputs": results}, f)


def file_name(name):
    return name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "") + ".npy"


def bf16(a):
    """Rounds float64 values to bfloat16 (nearest, ties to even) through float32."""
    import numpy as np
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32).astype(np.float64)


def emulate(args, layer, x):
    """bfloat16 Linears in float64 arithmetic, attention in float64 or on bfloat16 operands."""
    import numpy as np
    p = {k: v.detach().double().numpy() for k, v in layer.state_dict().items()}
    d, heads = args.d_model, args.heads
    hd = d // heads

    def ln(v, w, b):
        m = v.mean(-1, keepdims=True)
        return (v - m) / np.sqrt(((v - m) ** 2).mean(-1, keepdims=True) + 1e-5) * w + b

    def lin(v, w, b):
        return bf16(v) @ bf16(w).T + b

    def gelu(v):
        from math import erf, sqrt
        return 0.5 * v * (1 + np.vectorize(erf)(v / sqrt(2)))

    for name, attention_bf16 in (("bf16 Linears, float32 attention", False),
                                 ("bf16 Linears, bf16 attention", True)):
        rnd = bf16 if attention_bf16 else (lambda t: t)
        b, s, _ = x.shape
        qkv = lin(ln(x, p["norm1.weight"], p["norm1.bias"]), p["self_attn.in_proj_weight"],
                  p["self_attn.in_proj_bias"])
        q, k, v = (t.reshape(b, s, heads, hd).transpose(0, 2, 1, 3)
                   for t in np.split(qkv, 3, axis=-1))
        scores = rnd(q) @ rnd(k).transpose(0, 1, 3, 2) / math.sqrt(hd)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        ctx = (rnd(probs) @ rnd(v)).transpose(0, 2, 1, 3).reshape(b, s, d)
        y = x + lin(ctx, p["self_attn.out_proj.weight"], p["self_attn.out_proj.bias"])
        h = gelu(lin(ln(y, p["norm2.weight"], p["norm2.bias"]), p["linear1.weight"],
                     p["linear1.bias"]))
        out = y + lin(h, p["linear2.weight"], p["linear2.bias"])
        np.save(os.path.join(args.out, "..", "emulated_" + file_name(name)), out)


def errors(y, ref):
    import numpy as np
    diff = np.abs(y.astype(np.float64) - ref)
    return float(diff.max() / np.abs(ref).max()), float(diff.mean() / np.abs(ref).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--d-model", type=int, default=768)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--ffn", type=int, default=3072)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--torch-python", action="append", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    import numpy as np
    import tinyaccel as ta
    pythons = args.torch_python or [p for p in ("/usr/bin/python3", ".venv/bin/python")
                                    if os.access(p, os.X_OK)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        torch_runs = []
        for i, python in enumerate(pythons):
            out = os.path.join(tmp, str(i))
            os.makedirs(out)
            cmd = [python, os.path.abspath(__file__), "--worker", "--out", out]
            for flag in ("d_model", "heads", "ffn", "seq", "batch", "seed", "threads"):
                cmd += ["--" + flag.replace("_", "-"), str(getattr(args, flag))]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{python}: failed: {done.stderr.strip().splitlines()[-1:]}",
                      file=sys.stderr)
                continue
            with open(os.path.join(out, "names.json")) as f:
                torch_runs.append((out, json.load(f)))
        if not torch_runs:
            print("no torch interpreter ran: nothing to compare with", file=sys.stderr)
            return 1
        ref = np.load(os.path.join(tmp, "y64.npy"))
        state = dict(np.load(os.path.join(tmp, "weights.npz")))
        x = np.load(os.path.join(tmp, "x.npy"))
        ta.set_num_threads(args.threads)
        for precision in ("float32", "bfloat16", "int8"):
            block = ta.nn.TransformerBlock(state, heads=args.heads, precision=precision)
            rows.append(("tinyaccel " + ta.__version__, precision, *errors(block(x), ref)))
        for out, meta in torch_runs:
            for name, failure in meta["outputs"].items():
                if failure:
                    rows.append(("torch " + meta["torch"], name, None, failure))
                    continue
                y = np.load(os.path.join(out, file_name(name)))
                rows.append(("torch " + meta["torch"], name, *errors(y, ref)))
        for name in ("bf16 Linears, float32 attention", "bf16 Linears, bf16 attention"):
            y = np.load(os.path.join(tmp, "emulated_" + file_name(name)))
            rows.append(("emulated (float64 on bf16 operands)", name, *errors(y, ref)))
    config = (f"d_model {args.d_model}, heads {args.heads}, ffn {args.ffn}, seq {args.seq}, "
              f"batch {args.batch}, seed {args.seed}")
    print(f"block output error against PyTorch's float64 block ({config})")
    print(f"{'implementation':<38} {'precision':<42} {'max rel':>10} {'mean rel':>10}")
    for impl, precision, max_rel, mean_rel in rows:
        if max_rel is None:
            print(f"{impl:<38} {precision:<42} failed: {mean_rel}")
        else:
            print(f"{impl:<38} {precision:<42} {max_rel:10.2e} {mean_rel:10.2e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": vars(args), "rows": [
                dict(implementation=r[0], precision=r[1], max_rel=r[2], mean_rel=r[3])
                for r in rows]}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
