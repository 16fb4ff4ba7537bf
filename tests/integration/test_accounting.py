"""Where a real case's time goes: a small torch.onnx case, every oracle on, its failure
localized by the second runtime; every stage it reached and every oracle's own
computation is stored with a time, and the run's table sums them."""

from __future__ import annotations

import pytest
from test_oracles import ORACLES, _pair, _sweep

from conftest import stored

pytestmark = pytest.mark.integration


def test_a_real_case_stores_the_time_of_every_stage_and_every_oracle(tmp_path):
    result, verdicts, _ = _sweep(tmp_path, "timed", _pair("torch.onnx+perturbed-weight"))
    assert result["outcome"] == "incorrect" and result["fault_location"] == "converter"
    for stage in ("setup", "reference", "extra_sets", "convert", "load", "run", "extra_runs", "localize"):
        assert result[f"{stage}_seconds"] > 0, stage
    for oracle in ORACLES:
        assert verdicts[oracle]["seconds"] > 0, oracle
    # the performance oracle's repeated runs are its own time, more than one run of the samples
    rows = {r["stage"]: r["seconds"] for r in stored(tmp_path / "timed.duckdb", "SELECT * FROM run_times")}
    assert {f"oracle {name}" for name in ORACLES} <= set(rows)
    assert rows["localize"] == pytest.approx(result["localize_seconds"])
    assert rows["overhead"] >= 0 and rows["wall"] > rows["convert"] + rows["imports"]
