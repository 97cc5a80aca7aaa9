#!/usr/bin/python3
"""Reference outputs for tinyaccel's TransformerBlock.

For each case, builds PyTorch's nn.TransformerEncoderLayer(norm_first=True, activation="gelu",
batch_first=True) with a fixed seed, perturbs the parameters PyTorch initializes to constants
(LayerNorm weight/bias, attention biases) so that every parameter is exercised, and writes into
OUTDIR/<case>/:
  weights.npz  the layer's state_dict (float32), names as PyTorch spells them
  x.npy        the input (batch, seq, d_model), float32
  y_torch.npy  PyTorch's output in eval mode (dropout off), float32
  y_f64.npy    a float64 NumPy reference of the same block from the same weights and input

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy). Exits 3 with a one-line
message when torch or numpy cannot be imported.

usage: transformer_reference.py OUTDIR NAME:D_MODEL:HEADS:FFN:SEQ:BATCH:CAUSAL [...]
"""
import math
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover - environment problem, reported to the C++ test
    print(f"transformer_reference.py: cannot import {e.name} ({sys.executable}); install "
          "python3-torch and python3-numpy (scripts/setup)", file=sys.stderr)
    sys.exit(3)


def numpy_block(state, x, heads, causal, eps=1e-5):
    """The pre-LN block in float64 NumPy: y = x + attn(ln1(x)); out = y + mlp(ln2(y))."""
    p = {k: v.astype(np.float64) for k, v in state.items()}
    x = x.astype(np.float64)

    def layernorm(v, w, b):
        mean = v.mean(-1, keepdims=True)
        var = ((v - mean) ** 2).mean(-1, keepdims=True)
        return (v - mean) / np.sqrt(var + eps) * w + b

    def gelu_erf(v):
        erf = np.vectorize(math.erf)
        return 0.5 * v * (1.0 + erf(v / math.sqrt(2.0)))

    batch, seq, d = x.shape
    hd = d // heads
    h = layernorm(x, p["norm1.weight"], p["norm1.bias"])
    qkv = h @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"]
    q, k, v = np.split(qkv, 3, axis=-1)
    split = lambda t: t.reshape(batch, seq, heads, hd).transpose(0, 2, 1, 3)
    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
    if causal:
        scores = scores + np.triu(np.full((seq, seq), -np.inf), 1)
    scores = scores - scores.max(-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(-1, keepdims=True)
    ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, d)
    y = x + ctx @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"]
    h = layernorm(y, p["norm2.weight"], p["norm2.bias"])
    hidden = gelu_erf(h @ p["linear1.weight"].T + p["linear1.bias"])
    return y + hidden @ p["linear2.weight"].T + p["linear2.bias"]


def make_case(outdir, spec, seed):
    name, d, heads, ffn, seq, batch, causal = spec.split(":")
    d, heads, ffn, seq, batch = map(int, (d, heads, ffn, seq, batch))
    causal = causal in ("1", "true", "causal")
    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(d, heads, dim_feedforward=ffn, dropout=0.1,
                                             activation="gelu", batch_first=True,
                                             norm_first=True)
    with torch.no_grad():
        for key in ("norm1.weight", "norm2.weight"):
            layer.state_dict()[key].copy_(1.0 + 0.2 * torch.randn(d))
        for key in ("norm1.bias", "norm2.bias", "self_attn.out_proj.bias"):
            layer.state_dict()[key].copy_(0.1 * torch.randn(d))
        layer.state_dict()["self_attn.in_proj_bias"].copy_(0.1 * torch.randn(3 * d))
    layer.eval()
    x = torch.randn(batch, seq, d)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(seq) if causal else None
    with torch.no_grad():
        y = layer(x, src_mask=mask)
    state = {k: v.detach().numpy().astype(np.float32) for k, v in layer.state_dict().items()}
    path = os.path.join(outdir, name)
    os.makedirs(path, exist_ok=True)
    np.savez(os.path.join(path, "weights.npz"), **state)
    np.save(os.path.join(path, "x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(path, "y_torch.npy"), y.numpy().astype(np.float32))
    np.save(os.path.join(path, "y_f64.npy"), numpy_block(state, x.numpy(), heads, causal))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    for i, spec in enumerate(argv[2:]):
        make_case(argv[1], spec, seed=1234 + i)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
