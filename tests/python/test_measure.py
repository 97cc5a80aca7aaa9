"""The CLI's measurements called from Python: the same library functions, the same JSON."""

import json
import subprocess
import sys

import pytest

import tinyaccel as ta


def cli_json(*args):
    out = subprocess.run([sys.executable, "-m", "tinyaccel", *args, "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def test_compare_matmul_backends_matches_the_cli_schema():
    r = ta.compare_matmul_backends([64], ["1x96x80"], backends=["packed", "blas", "naive"],
                                   repeats=1, quick=True)
    rows = r["results"]
    assert {(x["m"], x["k"], x["n"]) for x in rows} == {(64, 64, 64), (1, 96, 80)}
    assert all(x["gflops"] > 0 and x["median_s"] > 0 for x in rows)
    packed = next(x for x in rows if x["backend"] == "packed" and x["m"] == 64)
    assert packed["ratio_vs_blas"] > 0 and packed["speedup_vs_naive"] > 0
    cli = cli_json("bench", "matmul", "--sizes", "64", "--backends", "packed", "--repeats", "1",
                   "--quick")
    assert set(cli) == set(r)
    assert set(cli["results"][0]) == set(rows[0])
    with pytest.raises(ValueError, match="backend"):
        ta.compare_matmul_backends([64], backends=["fastest"])
    with pytest.raises(ValueError, match="MxKxN"):
        ta.compare_matmul_backends(shapes=["64x64"])


def test_compare_fusion():
    r = ta.compare_fusion(["4K", "3x5"], ["gelu", "softmax"], quick=True, torch="none")
    assert [(x["op"], x["size"]) for x in r["rows"]] == [
        ("gelu", "4K"), ("softmax", "4K"), ("gelu", "3x5"), ("softmax", "3x5")]
    gelu = r["rows"][0]
    assert gelu["numel"] == 4096 and gelu["fused_ms"] > 0 and gelu["unfused_ms"] > 0
    assert gelu["fused_bytes"] == ta._native.gelu_cost(4096, "float32")[1]
    with pytest.raises(ValueError, match="op"):
        ta.compare_fusion(["4K"], ["gelu_fast"], torch="none")
    with pytest.raises(ValueError, match="size"):
        ta.compare_fusion(["4Q"], ["gelu"], torch="none")


def test_measure_roofs_places_ops():
    roofs = ta.measure_roofs()
    d = roofs.to_dict()
    assert d["compute_roofs"] and d["memory_roofs"]
    assert roofs.place("add", 1 << 20, 12 << 20, 1e-3)["bound"] == "memory"


def test_run_report_in_process(tmp_path):
    r = ta.run_report(str(tmp_path / "rep"), quick=True, sections=["system", "fusion"],
                      plots=False, verbose=False)
    assert not r.get("failed")
    assert (tmp_path / "rep" / "summary.md").read_text().startswith("# tinyaccel report")
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["fusion"]["rows"]
    with pytest.raises(ValueError, match="section"):
        ta.run_report(str(tmp_path / "x"), sections=["everything"], verbose=False)
