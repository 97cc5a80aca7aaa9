"""The roofline from Python, info(), and the CLI that ships inside the package."""

import json
import subprocess
import sys

import numpy as np
import pytest

import tinyaccel as ta


def test_info_is_the_cli_json():
    info = ta.info()
    assert info["threads"] == ta.num_threads()
    assert info["isa"]["active"] in ("scalar", "avx2", "avx512")
    assert info["caches"] and "blas" in info


def test_roofline_round_trip_and_plot(tmp_path):
    r = ta.roofline(quick=True, kernels=False)
    d = r.to_dict()
    assert d["compute_roofs"] and d["memory_roofs"] and d["threads"] == ta.num_threads()
    assert "GFLOP/s" in r.text()
    again = ta.Roofline.from_json(r.to_json())
    assert again.to_dict()["memory_roofs"] == d["memory_roofs"]
    r.save(tmp_path / "r.json")
    assert ta.Roofline.load(tmp_path / "r.json").to_dict()["compute_roofs"] == d["compute_roofs"]
    placed = r.place("x", flops=2 * 256**3, bytes=3 * 256 * 256 * 4, seconds=1e-3)
    assert placed["bound"] == "compute" and placed["gflops"] == pytest.approx(2 * 256**3 / 1e6)
    assert placed["level_reason"] and placed["size_level"] and "placed_by_rate" in placed
    assert placed["flag"] is None or "roof" in placed["flag"] or "peak" in placed["flag"]
    # Faster than any roof could allow: flagged with the reason, not an efficiency.
    absurd = r.place("y", flops=10, bytes=1 << 30, seconds=1e-6)
    assert absurd["efficiency"] > 1 and absurd["flag"]
    try:
        path = r.plot(tmp_path / "r.svg")
    except OSError as e:  # gnuplot absent: the error names it
        assert "gnuplot" in str(e)
    else:
        assert open(path).read().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match=".svg or .png"):
        r.plot(tmp_path / "r.gif")


def test_python_m_runs_the_packaged_cli(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tinyaccel", "info", "--json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["version"]
    bad = subprocess.run([sys.executable, "-m", "tinyaccel", "matmul", "missing.npy",
                          "missing.npy", "-o", str(tmp_path / "c.npy")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
