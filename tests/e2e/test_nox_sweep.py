"""A real `nox -s sweep` on a tiny matrix: environments built, every cell stored, a rerun
recomputes nothing, an unbuildable pair is recorded and the sweep goes on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, stored

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MATRIX = """
[pipeline.tiny]
framework = "pytorch"
converter = "torch.onnx"
runtime = "onnxruntime"
plugins = ["pytorch", "torch-onnx", "onnxruntime", "oracles"]
requires = ["onnx==1.23.1", "transformers==5.23.0"]
oracles = ["onnx-checker", "numeric"]

[pipeline.tiny.variant.torchscript]
options = { dynamo = false, opset = 17 }
converter-axes.torch = ["2.13.0"]

[pipeline.tiny.runtime-axes]
# 1.99.0 does not exist, and 1.20.1 needs numpy>=1.21.6: both pairs must be recorded as
# env_error with the installer's message, and the sweep goes on
onnxruntime = [
    "1.24.4",
    "1.31.1",
    "1.99.0",
    { version = "1.20.1", with = ["numpy<1.20"], why = "pins that cannot be resolved together" },
]
"""
CASES = ["op-resize-bilinear", "op-layer-norm"]


def _nox(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_MATRIX": str(tmp_path / "tiny.toml")}
    env.pop("TRACKER_PLUGIN_MODULES", None)
    env.pop("TRACKER_PLUGINS", None)
    command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"),
               "--envdir", str(tmp_path / "nox-envs"), "-s", "sweep", "--", *args]
    process = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]
    return process


def test_a_real_nox_sweep_on_a_tiny_matrix(tmp_path):
    (tmp_path / "tiny.toml").write_text(textwrap.dedent(MATRIX))
    store = tmp_path / "store.duckdb"
    args = ("--models", *CASES, "--store", str(store), "--jobs", "2")

    first = _nox(tmp_path, *args)
    output = first.stdout + first.stderr
    rows = stored(store, """SELECT r.case_id, r.outcome, e.label, e.buildable, r.conversion_reused
                            FROM results r JOIN environments e USING (env_id)""")
    labels = {r["label"] for r in rows}
    assert len(labels) == 4
    assert len(rows) == 4 * len(CASES)  # a result for every case in every environment
    unbuildable = [r for r in rows if "1.99.0" in r["label"] or "1.20.1" in r["label"]]
    assert len(unbuildable) == 2 * len(CASES)
    assert {r["outcome"] for r in unbuildable} == {"env_error"}
    assert all(r["buildable"] is False for r in unbuildable)
    messages = {r["label"]: r["message"] for r in stored(
        store, "SELECT e.label, r.message FROM results r JOIN environments e USING (env_id) "
               "WHERE r.outcome = 'env_error'")}
    for label, message in messages.items():  # the installer's own words are kept
        expected = "1.99.0" if "1.99.0" in label else "numpy"
        assert expected in message, message
    built = [r for r in rows if r not in unbuildable]
    assert "env_error" not in {r["outcome"] for r in built}, output[-3000:]
    # convert once: the second runtime version reused every conversion
    assert len(stored(store, "SELECT * FROM conversions")) == len(CASES)
    assert sum(bool(r["conversion_reused"]) for r in built) == len(CASES)
    # the environment is recorded as installed, read from the environment itself
    versions = stored(store, "SELECT DISTINCT version FROM env_packages WHERE name = 'onnxruntime'")
    assert {v["version"] for v in versions} == {"1.24.4", "1.31.1"}
    assert "results" in output and "ok / stored" in output  # the summary at the end
    # newest first (tracker/matrix_order.py), and the whole sweep's progress before each pair
    order = re.findall(r"Running session sweep\(tiny\.torchscript torch-2\.13\.0 onnxruntime-([\d.]+)\)", output)
    assert order == ["1.99.0", "1.31.1", "1.24.4", "1.20.1"], order
    assert re.findall(r"== pair (\d) of 4", output) == ["1", "2", "3", "4"], output[-3000:]
    assert "the last pair" in output

    second = _nox(tmp_path, *args)
    assert second.stdout.count("0 to run") == 4, second.stdout[-3000:]
    assert "as they took when last run" in second.stdout  # the time left, from stored runs
    assert len(stored(store)) == 4 * len(CASES)
    # where the time went: every pair's run stored its time under the invocation's sweep id,
    # and the sweep ended with the table over its pairs (the `results` session)
    sweeps = stored(store, "SELECT DISTINCT sweep_id FROM run_times")
    assert len(sweeps) == 2 and all(s["sweep_id"] for s in sweeps)  # one per `nox -s sweep`
    built_times = stored(store, """SELECT t.pair, t.seconds FROM run_times t JOIN runs r USING (run_id)
                                   WHERE t.stage = 'env_build' AND r.label NOT LIKE '%1.99.0%'
                                   AND r.label NOT LIKE '%1.20.1%'""")
    assert len(built_times) == 2 and all(t["seconds"] > 0 for t in built_times)
    for process in (first, second):
        tail = process.stdout[process.stdout.rindex("where the time of sweep"):]
        assert tail.startswith("where the time of sweep") and "4 pairs" in tail.splitlines()[0]
        assert "   env_build " in tail and "   overhead " in tail
