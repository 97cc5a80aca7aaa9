"""profile_model: a PyTorch module or a callable, every op placed on this machine's roofline."""

import numpy as np
import pytest

import tinyaccel as ta
from tinyaccel import _native


@pytest.fixture(scope="module")
def roofs():
    return ta.measure_roofs()


def test_torch_mlp_ops_costs_and_swaps(roofs):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(96, 128), torch.nn.GELU(), torch.nn.Linear(128, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 10))
    p = ta.profile_model(mlp, torch.randn(32, 96), iterations=3, roofline=roofs)
    assert p.source == "torch.profiler" and p.total_ms > 0
    names = [o.name for o in p.ops]
    assert names == ["aten::addmm", "aten::gelu", "aten::addmm", "aten::relu", "aten::addmm"]
    first = p.ops[0]
    assert first.flops == 2 * 32 * 96 * 128 + 32 * 128 and first.cost_source == "tinyaccel"
    assert first.shapes == "(128)x(32,96)x(96,128)"
    gelu = p.ops[1]
    assert gelu.flops == _native.gelu_erf_cost(32 * 128, "float32")[0]
    assert gelu.tinyaccel_kernel == "gelu_erf" and gelu.speedup > 0
    assert all(o.median_ms > 0 and o.level and o.bound in ("memory", "compute", "overhead")
               for o in p.ops)
    assert sum(o.time_share for o in p.ops) == pytest.approx(1.0)
    assert sum(o.median_ms for o in p.ops) <= p.total_ms * 1.5
    assert "aten::addmm" in p.table() and p.to_dict()["ops"][0]["name"] == "aten::addmm"


def test_torch_transformer_layer(roofs):
    torch = pytest.importorskip("torch")
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True)
    p = ta.profile_model(layer, torch.randn(1, 16, 64), iterations=2, roofline=roofs, swap=False)
    names = {o.name for o in p.ops}
    assert names & {"aten::mm", "aten::addmm"} and names & {"aten::bmm", "aten::baddbmm",
                                                             "aten::scaled_dot_product_attention"}
    matmuls = [o for o in p.ops if o.name in ("aten::mm", "aten::addmm", "aten::bmm")]
    assert all(o.flops > 0 and o.intensity > 1 for o in matmuls)
    assert all(o.tinyaccel_kernel is None for o in p.ops)
    # Every GEMM of the layer is there: the fast path runs linear1 and its GELU as one op.
    gemm_flops = sum(o.flops for o in p.ops if "mm" in o.name)
    assert gemm_flops >= 2 * 16 * 64 * (3 * 64 + 64 + 2 * 128) + 2 * 2 * 16 * 16 * 64


def test_callables_without_torch(roofs, rng):
    w = rng.standard_normal((48, 48)).astype(np.float32)
    model = lambda x: ta.softmax(ta.linear(x, w, activation="gelu"))
    p = ta.profile_model(model, rng.standard_normal((8, 48)).astype(np.float32), roofline=roofs)
    assert p.source == "tinyaccel ops"
    assert [o.name for o in p.ops] == ["linear", "softmax"]
    assert p.ops[0].flops == _native.linear_cost((8, 48), (48, 48), False, "gelu", "float32")[0]


def test_bad_arguments(roofs):
    with pytest.raises(ValueError):
        ta.profile_model(lambda x: x, np.ones(3), iterations=0, roofline=roofs)
    with pytest.raises(TypeError):
        ta.profile_model(42, np.ones(3), roofline=roofs)


def test_children_the_profiler_left_unlinked_are_not_rows():
    from types import SimpleNamespace as Ns

    from tinyaccel.model_profile import _outermost

    def event(name, start, end, thread=1):
        return Ns(name=name, time_range=Ns(start=start, end=end), thread=thread)

    # As seen from torch.profiler: native_layer_norm not under layer_norm in the tree, and
    # stamped to end a microsecond after it.
    events = [event("aten::mm", 335, 354), event("aten::native_layer_norm", 308, 318),
              event("aten::layer_norm", 305, 317), event("aten::add_", 545, 545),
              event("aten::addmm", 533, 545), event("aten::mm", 340, 350, thread=2),
              event("aten::native_layer_norm", 341, 343)]
    assert [(e.name, e.thread) for e in _outermost(events)] == [
        ("aten::layer_norm", 1), ("aten::mm", 1), ("aten::mm", 2), ("aten::addmm", 1),
        ("aten::add_", 1)]
