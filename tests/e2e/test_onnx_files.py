"""A folder of ONNX files tracked across two onnxruntime releases, as docs/own-models.md
says: the example matrix envs/examples/onnx-files.toml swept by `nox -s sweep` on the
folder tests/fixtures/onnx-folder names (TRACKER_ONNX_DIR), two of its pairs; then
`tracker results`, `tracker regressions` and `tracker fixes` on its store. One file of the
folder declares opset 26, which onnxruntime 1.24.4 cannot load and 1.31.1 runs: the fix
the step between them shows."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, ROOT, nox_or_tracker, stored

MATRIX = ROOT / "envs" / "examples" / "onnx-files.toml"
RELEASES = ("1.24.4", "1.31.1")
CASES = ("onnx-add", "onnx-matmul_relu", "onnx-square", "onnx-external", "onnx-newer_opset", "onnx-broken")


@pytest.mark.e2e
@pytest.mark.slow
def test_a_folder_of_onnx_files_is_tracked_across_two_onnxruntime_releases(tmp_path):
    models = shutil.copytree(FIXTURES / "onnx-folder", tmp_path / "models", ignore=shutil.ignore_patterns("*.py"))
    variables = {"TRACKER_MATRIX": str(MATRIX), "TRACKER_ONNX_DIR": str(models),
                 "TRACKER_STORE": str(tmp_path / "store.duckdb"), "TRACKER_CACHE": str(tmp_path / "cache")}

    def run(*command: str, nox: bool = False):
        return nox_or_tracker(tmp_path, variables, *command, nox=nox)

    listed = run("-l", nox=True).stdout
    for release in RELEASES:
        assert f"onnx-files.reference onnx-1.23.1 onnxruntime-{release}" in listed
    keyword = " or ".join(f"onnxruntime_{release.replace('.', '_')}" for release in RELEASES)
    sweep = run("-s", "sweep", "-k", keyword, nox=True)
    rows = stored(tmp_path / "store.duckdb", "SELECT r.case_id, r.outcome, e.label FROM results r "
                                             "JOIN environments e USING (env_id)")
    outcomes = {(r["case_id"], r["label"].split()[-1].removeprefix("onnxruntime-")): r["outcome"] for r in rows}
    assert set(outcomes) == {(case, release) for case in CASES for release in RELEASES}, sweep.stdout[-3000:]
    for release in RELEASES:
        assert {case: outcomes[case, release] for case in ("onnx-add", "onnx-matmul_relu", "onnx-square",
                                                           "onnx-external")} == dict.fromkeys(
            ("onnx-add", "onnx-matmul_relu", "onnx-square", "onnx-external"), "ok"), outcomes
        assert outcomes["onnx-broken", release] == "env_error"
    assert (outcomes["onnx-newer_opset", "1.24.4"], outcomes["onnx-newer_opset", "1.31.1"]) == (
        "runtime_load_error", "ok")

    table = run("results", "--pipeline", "onnx-files").stdout
    assert all(case in table for case in CASES) and all(f"onnxruntime-{r}" in table for r in RELEASES), table
    regressions = run("regressions").stdout
    assert "onnxruntime" in regressions, regressions
    broke = json.loads(run("regressions", "--format", "json").stdout)
    assert [t for t in broke if t["kind"] == "regression"] == [], regressions  # nothing broke between the two
    assert "onnx-newer_opset" in run("fixes").stdout
    fixed = json.loads(run("fixes", "--format", "json").stdout)
    assert [(t["kind"], t["case_id"], t["axis"], t["before"]["version"], t["after"]["version"]) for t in fixed] == [
        ("fix", "onnx-newer_opset", "onnxruntime", *RELEASES)], fixed
