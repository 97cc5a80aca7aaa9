"""The Profiler (the seed's methods) and tinyaccel.nn.TransformerBlock."""

import numpy as np
import pytest

import tinyaccel as ta
from tinyaccel import _native


class SimpleModel:
    """The seed's example model."""

    def __init__(self, rng):
        self.weight = rng.standard_normal((256, 256)).astype(np.float32)

    def forward(self, x):
        return ta.fused_gelu(ta.vectorized_matmul(x, self.weight))


@pytest.fixture(scope="module")
def roofs():
    return ta.roofline(quick=True, kernels=False)


def test_latency_and_measurements(rng):
    p = ta.Profiler()
    model = SimpleModel(rng)
    x = rng.standard_normal((32, 256)).astype(np.float32)
    ms = p.measure_latency(model, x, warmup=2, iterations=15)
    assert ms > 0 and p.measurements["latency"]["samples"] == 15
    assert p.measurements["latency"]["median_ms"] == pytest.approx(ms)
    with pytest.raises(ValueError):
        p.measure_latency(model, x, iterations=0)
    with pytest.raises(TypeError):
        p.measure_latency(42, x)


def test_count_flops_is_the_declared_cost(rng):
    p = ta.Profiler()
    flops = p.count_flops(SimpleModel(rng), (32, 256))
    matmul, _ = _native.matmul_cost((32, 256), (256, 256), "float32")
    gelu, _ = _native.gelu_cost(32 * 256, "float32")
    assert flops == matmul + gelu == 2 * 32 * 256 * 256 + 9 * 32 * 256
    assert p.measurements["flops"]["ops"] == 2
    # A plain function is a model too, and every op in it is counted.
    assert p.count_flops(lambda x: ta.softmax(ta.add(x, x)), (4, 8)) == (
        _native.add_cost(32, "float32")[0] + _native.softmax_cost(4, 8, "float32")[0])


def test_measure_memory(rng):
    p = ta.Profiler()
    m = p.measure_memory(SimpleModel(rng), (32, 256))
    assert m["parameter_bytes"] == 256 * 256 * 4
    assert m["input_bytes"] == m["output_bytes"] == 32 * 256 * 4
    # matmul's result and GELU's are both alive at GELU's end: at least two outputs' worth.
    assert m["activation_peak_bytes"] >= 2 * 32 * 256 * 4
    assert m["allocations"] == 2
    assert m["peak_bytes"] == m["parameter_bytes"] + m["input_bytes"] + m["activation_peak_bytes"]


def test_profile_forward_pass_places_every_op(rng, roofs):
    p = ta.Profiler(roofs)
    model = SimpleModel(rng)
    prof = p.profile_forward_pass(model, rng.standard_normal((64, 256)).astype(np.float32),
                                  warmup=1, iterations=5)
    assert [o.name for o in prof.ops] == ["matmul", "fused_gelu"]
    mm, gelu = prof.ops
    assert mm.flops == 2 * 64 * 256 * 256 and mm.shapes == "(64,256)x(256,256)"
    assert mm.intensity > gelu.intensity and {mm.bound, gelu.bound} <= {"memory", "compute", "overhead"}
    assert all(o.median_ms > 0 and o.gflops > 0 and o.level for o in prof.ops)
    assert sum(o.time_share for o in prof.ops) == pytest.approx(1.0)
    assert "fused_gelu" in prof.table() and p.measurements["forward_pass"]["ops"]


def test_transformer_block_matches_its_naive_twin_and_torch(rng):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True).eval()
    block = ta.nn.TransformerBlock(layer.state_dict(), heads=4)
    assert (block.d_model, block.heads, block.ffn, block.dtype) == (64, 4, 128, "float32")
    x = rng.standard_normal((2, 9, 64)).astype(np.float32)
    with torch.no_grad():
        want = layer(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(block(x), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(block.naive_forward(x), want, rtol=1e-4, atol=1e-4)


def test_transformer_block_sources_and_errors(rng, tmp_path):
    block = ta.nn.TransformerBlock.random(32, 2, 64, seed=5)
    x = rng.standard_normal((1, 7, 32)).astype(np.float32)
    state = block.state_dict()
    again = ta.nn.TransformerBlock(state, heads=2)
    np.testing.assert_array_equal(again(x), block(x))
    block.save(tmp_path / "w.npz")
    loaded = ta.nn.TransformerBlock(tmp_path / "w.npz", heads=2)
    np.testing.assert_array_equal(loaded(x), block(x))
    assert sorted(np.load(tmp_path / "w.npz").files) == sorted(state)
    with pytest.raises(ValueError, match="linear1.weight"):
        ta.nn.TransformerBlock({k: v for k, v in state.items() if k != "linear1.weight"},
                               heads=2)
    with pytest.raises(ValueError, match="heads"):
        ta.nn.TransformerBlock(state, heads=3)
    with pytest.raises(ValueError):
        block(rng.standard_normal((1, 7, 31)).astype(np.float32))
    flops, _ = block.cost((1, 7, 32))
    assert ta.Profiler().count_flops(block, (1, 7, 32)) == flops


def test_transformer_block_profile(rng, roofs):
    block = ta.nn.TransformerBlock.random(64, 4, 128, seed=1)
    prof = ta.Profiler(roofs).profile_forward_pass(block, rng.standard_normal((1, 32, 64)).astype(
        np.float32), warmup=1, iterations=3)
    names = [o.name for o in prof.ops]
    assert "self_attn.attention" in names and "mlp.linear1" in names
    assert prof.flops == block.cost((1, 32, 64))[0]
