"""The numeric oracle calibrated by the source's own noise, on real conversions: a model
whose float32 rounding alone misses the fixed tolerance passes with calibration and
fails without, its float64 reference cached beside the float32 one; a wrong conversion
of it still fails; a model that cannot run in float64 falls back to the fixed tolerance
with the reason stored."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import ROOT, faulty_torch_env, stored, tracker

pytestmark = pytest.mark.integration


def _sweep(tmp_path, name, case, converter="torch.onnx", **numeric):
    from tracker.matrix import load_matrix

    pair = next(p for p in load_matrix(ROOT / "envs") if p.variant == "torchscript")
    pair = dataclasses.replace(pair, converter=converter, oracles=("numeric",), second_runtime=None,
                               oracle_options={"numeric": numeric}, options={"dynamo": False, "opset": 17})
    store = tmp_path / f"{name}.duckdb"
    process = tracker("run", "--pair", pair.to_json(), "--store", str(store), "--set", "oracle-tests",
                      "--models", case, env=faulty_torch_env(tmp_path / "cache"), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    (result,) = stored(store, "SELECT * FROM results")
    (verdict,) = stored(store, "SELECT * FROM verdicts WHERE oracle = 'numeric'")
    metrics = {m["name"]: m["value"] for m in stored(store, "SELECT * FROM metrics WHERE oracle = 'numeric'")}
    return result, verdict, metrics


def test_float32_rounding_beyond_the_fixed_tolerance_passes_calibrated_and_fails_without(tmp_path):
    result, verdict, metrics = _sweep(tmp_path, "calibrated", "test-cancellation")
    assert result["outcome"] == "ok", verdict["message"]
    assert metrics["calibrated"] == 1.0
    assert 0 < metrics["float64_source_error"] and metrics["noise_ratio"] < 10
    assert len(list((tmp_path / "cache" / "references").rglob("*.float64.npz"))) == 1  # beside the float32 one

    fixed, verdict, metrics = _sweep(tmp_path, "fixed", "test-cancellation", calibrate=False)
    assert fixed["outcome"] == "incorrect" and verdict["subkind"] == "mismatch"
    assert "calibrated" not in metrics and "float64_source_error" not in metrics


def test_a_wrong_conversion_still_fails_calibrated(tmp_path):
    result, verdict, metrics = _sweep(tmp_path, "perturbed", "test-cancellation", "torch.onnx+perturbed-weight")
    assert result["outcome"] == "incorrect" and verdict["subkind"] == "mismatch"
    assert metrics["calibrated"] == 1.0 and metrics["noise_ratio"] > 1e3
    assert "noise_factor 10 x the source's own float32 error" in verdict["message"]


def test_a_model_that_cannot_run_in_float64_falls_back_with_the_reason_stored(tmp_path):
    result, verdict, metrics = _sweep(tmp_path, "float32-only", "test-float32-only")
    assert result["outcome"] == "ok"
    assert metrics["calibrated"] == 0.0
    assert "fixed tolerance only: the float64 run failed: RuntimeError" in verdict["message"]
    (remembered,) = (tmp_path / "cache" / "references").rglob("*.float64.unavailable")
    assert "RuntimeError" in remembered.read_text()
