"""bfloat16 and int8 transformer blocks and the low-precision matmul bench from Python."""

import numpy as np
import pytest

import tinyaccel as ta


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


@pytest.mark.parametrize("precision", ["bfloat16", "int8"])
def test_block_precisions_against_twin_float32_and_float64(rng, precision):
    f32 = ta.nn.TransformerBlock.random(48, 3, 80, seed=1)
    block = f32.to(precision)
    assert (block.precision, block.dtype) == (precision, "float32")
    assert "precision=" + precision in repr(block)
    x = rng.standard_normal((2, 11, 48)).astype(np.float32)
    ref = f32.to("float64")(x.astype(np.float64))
    y = block(x)
    assert y.dtype == np.float32
    assert rel(y, block.naive_forward(x)) < 3e-4
    # The bounds of the C++ accuracy test (tests/nn/lowp_modules_test.cc), here on another shape.
    assert rel(y, ref) < {"bfloat16": 4e-3, "int8": 1.5e-2}[precision]
    assert rel(f32(x), ref) < 1e-6
    assert ta.nn.TransformerBlock.random(48, 3, 80, seed=1, dtype=precision).precision == precision


def test_torch_state_dict_with_a_precision(rng):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True).eval()
    x = rng.standard_normal((1, 9, 64)).astype(np.float32)
    with torch.no_grad():
        want = layer(torch.from_numpy(x)).numpy()
    for precision, bound in (("bfloat16", 2e-2), ("int8", 5e-2)):
        block = ta.nn.TransformerBlock(layer.state_dict(), heads=4, precision=precision)
        assert block.precision == precision
        assert rel(block(x), want) < bound


def test_int8_state_dict_round_trips_and_costs_name_the_precision(rng, tmp_path):
    block = ta.nn.TransformerBlock.random(32, 2, 64, seed=5, dtype="int8")
    state = block.state_dict()
    assert state["linear1.weight"].dtype == np.int8
    assert state["linear1.weight_scale"].dtype == np.float32
    assert "self_attn.in_proj_weight_scale" in state
    x = rng.standard_normal((1, 7, 32)).astype(np.float32)
    np.testing.assert_array_equal(ta.nn.TransformerBlock(state, heads=2)(x), block(x))
    block.save(tmp_path / "q.npz")
    np.testing.assert_array_equal(ta.nn.TransformerBlock(tmp_path / "q.npz", heads=2)(x), block(x))
    costs = {c["name"]: c for c in block.layer_costs((1, 7, 32))}
    assert costs["mlp.linear1"]["dtype"] == "int8" and costs["norm1"]["dtype"] == "float32"
    with pytest.raises(ValueError, match="fp8"):
        block.to("fp8")
    with pytest.raises(ValueError, match="weight_scale"):
        ta.nn.TransformerBlock({k: v for k, v in state.items() if k != "linear2.weight_scale"},
                               heads=2)


@pytest.mark.parametrize("dtype,ours", [("bfloat16", ["packed bfloat16"]),
                                        ("int8", ["packed int8", "int8 linear"])])
def test_compare_matmul_backends_low_precision(dtype, ours):
    r = ta.compare_matmul_backends(shapes=["3x40x24"], backends=["packed"], dtype=dtype,
                                   repeats=1, quick=True, torch="none")
    names = [row["implementation"] for row in r["results"]]
    assert names[:1 + len(ours)] == ["packed float32"] + ours
    assert r["dtype"] == dtype and r["notes"]
    assert all(row["ratio_vs_f32"] > 0 for row in r["results"][1:] if row["dtype"] != "float32")
    assert ("oneDNN" in " ".join(names)) == bool(r["onednn"])
