"""The sweep's report file: a typed value both ways, written by ``tracker run --report-file``."""

from __future__ import annotations

import pytest
from conftest import fake_pair_json, stored, tracker

from tracker.sweep_report import SweepReport

COUNTS = {"selected": 3, "reused": 1, "computed": 2, "not_applicable": 0}


@pytest.mark.parametrize("report", [
    SweepReport("fake.plain numpy-1.0.0", "0123456789abcdef", "finished", COUNTS, {"ok": 1, "crash": 1}),
    SweepReport("fake.plain numpy-1.0.0", None, "interrupted", COUNTS, {}),
    SweepReport("fake.plain numpy-9.9", "fedcba9876543210", "unbuildable", COUNTS, {"env_error": 2}),
])
def test_a_report_survives_its_file(tmp_path, report):
    report.write(tmp_path / "report.json")
    assert SweepReport.read(tmp_path / "report.json") == report


@pytest.mark.parametrize(("text", "message"), [
    ('{"label": "x", "env_id": null, "status": "done", "counts": {}, "outcomes": {}}', "status must be"),
    ('{"label": "x", "env_id": null, "status": "finished", "counts": {}, "outcomes": {}}', "counts must be"),
    ('{"label": "x", "env_id": null}', "a sweep report has the keys"),
])
def test_a_malformed_report_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        SweepReport.from_json(text)


def test_tracker_run_reports_the_environment_it_stored_results_under(tmp_path, store):
    report_file = tmp_path / "report.json"
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
            "--models", "fake-ok-1", "fake-perturb", "--report-file", str(report_file), check=True)
    report = SweepReport.read(report_file)
    (env,) = stored(store, "SELECT env_id, label FROM environments")
    assert (report.env_id, report.label, report.status) == (env["env_id"], env["label"], "finished")
    assert report.counts == {"selected": 2, "reused": 0, "computed": 2, "not_applicable": 0}
    assert report.outcomes == {"ok": 1, "incorrect": 1}


def test_tracker_run_reports_an_unbuildable_environment(tmp_path, store):
    (tmp_path / "error.txt").write_text("No matching distribution found for numpy==1.0.0")
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults", "--models", "fake-ok-1",
            "--env-error-file", str(tmp_path / "error.txt"), "--report-file", str(tmp_path / "report.json"),
            check=True)
    report = SweepReport.read(tmp_path / "report.json")
    (env,) = stored(store, "SELECT env_id FROM environments WHERE NOT buildable")
    assert (report.env_id, report.status, report.outcomes) == (env["env_id"], "unbuildable", {"env_error": 1})
