"""Two roofline runs compared from Python: the same matching and numbers as the CLI's --compare."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import tinyaccel as ta


def _run(gflops_scale: float, extra_point: str) -> dict:
    """A roofline run as JSON (no measurement): one compute roof, two memory levels, three
    points, the last one named per run."""
    def kernel(name, flops, nbytes, seconds, level, gbs):
        return {"name": name, "dtype": "float32", "flops": flops, "bytes": nbytes,
                "working_set_bytes": nbytes, "seconds": seconds,
                "timing": {"median_s": seconds, "min_s": seconds, "mean_s": seconds, "cv": 0.01,
                           "samples": 5, "calls_per_sample": 1},
                "peak_gflops": 200.0, "level": level, "level_gbs": gbs}
    return {
        "schema": "tinyaccel.roofline/1",
        "metadata": {"timestamp": "2026-01-01T00:00:00Z", "cpu": "Test CPU"},
        "threads": 2,
        "compute_roofs": [{"isa": "avx2", "dtype": "float32", "threads": 2, "gflops": 200.0,
                           "stats": {"best": 200.0, "median": 190.0, "cv": 0.01, "samples": 5}}],
        "memory_roofs": [{"level": "L2", "gbs": 200.0, "min_bytes": 4096, "max_bytes": 1 << 21,
                          "points": 4},
                         {"level": "DRAM", "gbs": 50.0, "min_bytes": 1 << 26,
                          "max_bytes": 1 << 28, "points": 4}],
        "bandwidth_sweeps": [],
        "kernels": [
            kernel("matmul packed 512", 2 * 512**3, 3 * 512 * 512 * 4,
                   2 * 512**3 / (100e9 * gflops_scale), "L2", 200.0),
            kernel("add 4M", 4 << 20, 12 << 22, (12 << 22) / 40e9, "DRAM", 50.0),
            kernel(extra_point, 1000, 1000, 1e-6, "L2", 200.0),
        ],
        "warnings": [],
        "elapsed_seconds": 1.0,
    }


def test_compare_matches_by_label_and_reports_the_change(tmp_path):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(_run(1.0, "gone 1K")))
    after.write_text(json.dumps(_run(2.0, "new 1K")))
    c = ta.roofline_compare(before, after)
    d = c.to_dict()
    assert [k["name"] for k in d["kernels"]] == ["matmul packed 512", "add 4M"]
    mm = d["kernels"][0]
    assert mm["gflops_ratio"] == pytest.approx(2.0)
    assert mm["speedup"] == pytest.approx(2.0)
    assert mm["intensity_ratio"] == pytest.approx(1.0)
    assert mm["after"]["efficiency"] - mm["before"]["efficiency"] == pytest.approx(
        mm["efficiency_change"])
    assert mm["before"]["gflops"] == pytest.approx(100.0)
    assert d["kernels"][1]["speedup"] == pytest.approx(1.0)
    assert d["only_before"] == ["gone 1K"] and d["only_after"] == ["new 1K"]
    assert "×2.00" in c.text() and "only before: gone 1K" in c.text()
    # The same comparison from a loaded Roofline object and from JSON text.
    again = ta.roofline_compare(ta.Roofline.load(before), after.read_text())
    assert again.to_dict()["kernels"] == d["kernels"]
    # A report directory holds roofline.json.
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "roofline.json").write_text(before.read_text())
    assert ta.roofline_compare(tmp_path / "report", after).kernels[0]["name"] == "matmul packed 512"
    # The CLI prints the same JSON.
    cli = subprocess.run([sys.executable, "-m", "tinyaccel", "roofline", "--compare", str(before),
                          str(after), "--json", "-"], capture_output=True, text=True, check=True)
    assert json.loads(cli.stdout)["kernels"] == d["kernels"]


def test_compare_plot_has_arrows_and_tooltips(tmp_path):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(_run(1.0, "x 1K")))
    after.write_text(json.dumps(_run(2.0, "x 1K")))
    c = ta.roofline_compare(before, after)
    try:
        path = c.plot(tmp_path / "compare.svg")
    except OSError as e:  # gnuplot absent: the error names it
        assert "gnuplot" in str(e)
        return
    root = ET.parse(path).getroot()  # well-formed XML
    titles = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith("BEFORE: matmul packed 512") for t in titles)
    assert any("×2.00" in t and t.startswith("matmul packed 512") for t in titles)
    assert os.path.getsize(c.plot(tmp_path / "compare.png")) > 1000


def test_compare_errors():
    with pytest.raises(OSError, match="cannot read"):
        ta.roofline_compare("/nonexistent/before.json", "/nonexistent/after.json")
    with pytest.raises(ValueError, match="roofline JSON"):
        ta.roofline_compare('{"schema": "other"}', '{"schema": "other"}')
