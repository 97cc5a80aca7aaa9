"""tinyaccel.nn: the pre-LN transformer block on tinyaccel's kernels, and its naive twin."""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from . import _native, _recording
from ._arrays import as_array, wrap_like

__all__ = ["TransformerBlock"]


def _state_array(value: Any, name: str) -> np.ndarray:
    """A parameter for the compiled core: int8 values (a quantized weight) as they are, anything
    else as a float32 or float64 array."""
    if isinstance(value, np.ndarray) and value.dtype == np.int8:
        return np.ascontiguousarray(value)
    return as_array(value, name)


class TransformerBlock:
    """Pre-LN transformer encoder block: ``y = x + SelfAttn(LN1(x)); out = y + MLP(LN2(y))``,
    PyTorch's ``nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, activation="gelu",
    batch_first=True, norm_first=True)`` in eval mode.

    Weights come from ``state_dict``: a mapping of PyTorch's parameter names to arrays (a
    module's ``state_dict()`` of torch tensors works as it is), or the path of an ``.npz`` with
    those names. d_model, ffn and the dtype (float32 or float64) follow the tensors; ``heads``,
    ``causal``, ``activation`` ("gelu_erf", PyTorch's "gelu", or the faster tanh form "gelu")
    and ``eps`` are given. Without weights use :meth:`random`. Names, missing or extra keys and
    shapes are checked (ValueError naming the key).

    ``precision`` ("float32", "float64", "bfloat16", "int8"; default: the tensors') converts the
    four Linear layers' weights: bfloat16 rounds them (x is rounded to bfloat16 at each Linear,
    products summed in float32), int8 quantizes them per output channel (x quantized per row
    at each call, integer sums, float32 dequantization). LayerNorm, attention, softmax, GELU,
    the biases and the residual stream stay float32; inputs and outputs are float32
    (:attr:`dtype`), :attr:`precision` is the weights'. See docs/lowp_block.md for the errors.

    Inputs are (batch, seq, d_model); :meth:`forward` runs the fused kernels, ``naive=True`` the
    reference twin (naive matmul, scalar element-wise ops; for checking, not speed).
    """

    def __init__(self, state_dict: Union[Mapping[str, Any], str, "os.PathLike[str]"], *,
                 heads: int, causal: bool = False, activation: str = "gelu_erf",
                 eps: float = 1e-5, precision: Optional[str] = None) -> None:
        if isinstance(state_dict, (str, os.PathLike)):
            self._block = _native.TransformerBlock.load(os.fspath(state_dict), int(heads),
                                                        bool(causal), activation, float(eps))
        else:
            arrays = {str(k): _state_array(v, str(k)) for k, v in state_dict.items()}
            self._block = _native.TransformerBlock(arrays, int(heads), bool(causal), activation,
                                                   float(eps))
        if precision is not None:
            self._block = self._block.to(precision)

    @classmethod
    def random(cls, d_model: int = 768, heads: int = 12, ffn: int = 3072, *, seed: int = 0,
               causal: bool = False, activation: str = "gelu_erf", eps: float = 1e-5,
               dtype: str = "float32") -> "TransformerBlock":
        """Seeded-random weights with PyTorch's initialization (same seed, same weights on every
        machine). dtype: the weights' precision, float32, float64, bfloat16 or int8 (the float32
        weights of the seed, converted)."""
        self = cls.__new__(cls)
        self._block = _native.TransformerBlock.random(d_model, heads, ffn, seed, causal,
                                                      activation, eps, dtype)
        return self

    def to(self, precision: str) -> "TransformerBlock":
        """A copy with the Linear weights in ``precision`` (float32, float64, bfloat16, int8):
        rounded to bfloat16 or quantized per channel from the float values."""
        other = TransformerBlock.__new__(TransformerBlock)
        other._block = self._block.to(precision)
        return other

    def forward(self, x: Any, naive: bool = False) -> Any:
        """The block on x: (batch, seq, d_model) of the block's dtype -> same shape."""
        xa = as_array(x, "x")
        rec = _recording.active
        if rec is None:
            return wrap_like(x, self._block.forward(xa, naive))
        start = time.perf_counter()
        out = self._block.forward(xa, naive)
        flops, nbytes = self.cost(xa.shape)
        rec.record("transformer_block", "(" + ",".join(map(str, xa.shape)) + ")", self.dtype,
                   flops, nbytes, time.perf_counter() - start)
        return wrap_like(x, out)

    __call__ = forward

    def naive_forward(self, x: Any) -> Any:
        """The reference twin: same weights, reference kernels only."""
        return self.forward(x, naive=True)

    def layer_costs(self, input_shape: Tuple[int, ...]) -> List[Dict[str, Any]]:
        """The forward pass's steps in order, each with the FLOPs and bytes its kernels declare,
        the bytes it touches (its working set) and the precision it computes in (dtype)."""
        return [dict(name=n, flops=f, bytes=b, working_set_bytes=w, dtype=d)
                for n, f, b, w, d in self._block.layer_costs(tuple(int(d) for d in input_shape))]

    def cost(self, input_shape: Tuple[int, ...]) -> Tuple[int, int]:
        """(FLOPs, bytes) of one forward pass: the sum of :meth:`layer_costs`."""
        layers = self.layer_costs(input_shape)
        return sum(l["flops"] for l in layers), sum(l["bytes"] for l in layers)

    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters under PyTorch's names (copies). bfloat16 weights come as float32
        arrays of the same values; int8 weights as int8 arrays with a float32 ``<name>_scale``
        per Linear (what the constructor reads back)."""
        return dict(self._block.state_dict())

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Writes the parameters as an .npz that ``torch``'s ``load_state_dict`` accepts via
        NumPy."""
        self._block.save(os.fspath(path))

    def profile(self, x: Any, roofline: Any, warmup: int = 2, iterations: int = 10,
                naive: bool = False) -> Dict[str, Any]:
        """Per-layer profile (C++ scoped timers) placed on ``roofline`` (a Roofline)."""
        return self._block.profile(as_array(x, "x"), roofline._report, warmup, iterations, naive)

    d_model = property(lambda self: self._block.d_model)
    heads = property(lambda self: self._block.heads)
    ffn = property(lambda self: self._block.ffn)
    causal = property(lambda self: self._block.causal)
    dtype = property(lambda self: self._block.dtype)
    precision = property(lambda self: self._block.precision)

    def __repr__(self) -> str:
        return (f"TransformerBlock(d_model={self.d_model}, heads={self.heads}, ffn={self.ffn}, "
                f"causal={self.causal}, dtype={self.dtype}, precision={self.precision})")
