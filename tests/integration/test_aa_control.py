"""The A/A control of the alarms, on a small set for real: one torch.onnx pair swept, the
store copied, the same pair swept again into the copy with --recompute; `tracker compare`
finds no outcome change, no verdict flip, no drift and no slowdown (issue 19). Every ok
result keeps its latency samples, and each run the machine's timing noise."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import ROOT, stored, tracker

pytestmark = pytest.mark.integration

CASES = ["op-layer-norm", "op-resize-bilinear", "op-einsum", "op-group-norm", "op-cumsum", "op-pixel-shuffle"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    return env


def _pair() -> str:
    from tracker.matrix import load_matrix

    return next(p for p in load_matrix(ROOT / "envs") if p.variant == "torchscript").to_json()


def _sweep(store, *extra):
    process = tracker("run", "--pair", _pair(), "--store", str(store), "--models", *CASES, "--jobs", "2", *extra,
                      env=_env(), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr


def test_the_same_pair_swept_twice_raises_no_alarm(tmp_path):
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _sweep(first)
    shutil.copyfile(first, second)
    _sweep(second, "--recompute")
    ids = {r["result_id"] for r in stored(first)} | {r["result_id"] for r in stored(second)}
    assert len(ids) == 2 * len(CASES)  # recomputed, not reused
    for store in (first, second):
        ok = {r["result_id"] for r in stored(store) if r["outcome"] == "ok"}
        assert ok, stored(store)
        samples = {r["result_id"]: r["values"] for r in stored(
            store, """SELECT result_id, "values" FROM samples WHERE name = 'latency_seconds'""")}
        assert ok <= samples.keys() and all(len(samples[rid]) >= 5 for rid in ok)
        assert all(r["timer_noise_seconds"] > 0 for r in stored(store, "SELECT timer_noise_seconds FROM runs"))
    control = tracker("compare", str(first), str(second), env=_env())
    assert control.returncode == 0, control.stdout + control.stderr
    assert f"{len(CASES)} results in both stores" in control.stdout
