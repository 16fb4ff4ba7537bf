"""The guide "Track your own models" (docs/own-models.md) as written: its example project
(tests/e2e/my-project: a model plugin outside plugins/ and a matrix beside it) swept by
`nox -s sweep -- --set mine` across two onnxruntime releases; then `tracker results` and
`tracker regressions` on its store; then one file of the plugin edited, and the next sweep
re-syncs the environments and computes the edited case again."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, nox_or_tracker, stored

EXAMPLE = Path(__file__).parent / "my-project"
GUIDE = ROOT / "docs" / "own-models.md"


def test_the_guides_files_are_the_example_the_tests_run():
    text = GUIDE.read_text(encoding="utf-8")
    shown = dict(re.findall(r"^`my-project/([^`]+)`:\n\n```\w+\n(.*?)^```$", text, re.MULTILINE | re.DOTALL))
    files = {p.relative_to(EXAMPLE).as_posix(): p.read_text() for p in EXAMPLE.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)}
    assert shown == files  # every file of the example, in full, and nothing else


def _run(project: Path, *command: str, nox: bool = False) -> subprocess.CompletedProcess[str]:
    return nox_or_tracker(project, {"TRACKER_MATRIX": str(project / "matrix.toml"),
                                    "TRACKER_STORE": str(project / "store.duckdb")}, *command, nox=nox)


@pytest.mark.e2e
@pytest.mark.slow
def test_the_guides_example_is_swept_across_two_runtimes_and_an_edit_resyncs_it(tmp_path):
    project = tmp_path / "my-project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    listed = _run(project, "-l", nox=True).stdout
    assert "mine.torchscript torch-2.13.0 onnxruntime-1.24.4" in listed
    assert "mine.torchscript torch-2.13.0 onnxruntime-1.31.1" in listed

    first = _run(project, "-s", "sweep", "--", "--set", "mine", nox=True)
    rows = stored(project / "store.duckdb", """SELECT r.case_id, r.outcome, r.case_hash, e.label
                                             FROM results r JOIN environments e USING (env_id)""")
    assert {(r["case_id"], r["label"].split()[-1]) for r in rows} == {
        (case, f"onnxruntime-{version}") for case in ("my-scorer", "my-denoiser") for version in ("1.24.4", "1.31.1")}
    assert {r["outcome"] for r in rows} <= {"ok", "incorrect", "runtime_error"}, first.stdout[-3000:]
    table = _run(project, "results", "--pipeline", "mine").stdout
    assert "my-scorer" in table and "my-denoiser" in table
    regressions = _run(project, "regressions").stdout
    assert "axes:" in regressions and "onnxruntime" in regressions
    # `tracker plugins` inside an environment the sweep built: the guide's plugin, installed from its folder
    pair_envs = sorted({p.parents[3] for p in (project / "nox-envs").glob("*/lib/python*/site-packages/my_models*")})
    assert len(pair_envs) == 2, pair_envs  # one per pair
    plugins = subprocess.run([str(pair_envs[0] / "bin" / "python"), "-m", "tracker", "plugins"],
                             capture_output=True, text=True, cwd=project, timeout=300, check=True).stdout
    assert re.search(r"^my-models\s.*editable \S*my-project/my-models", plugins, re.MULTILINE), plugins

    nets = project / "my-models" / "my_models" / "nets.py"
    nets.write_text(nets.read_text().replace("nn.Linear(features, 32), nn.GELU(), nn.Linear(32, 1)",
                                             "nn.Linear(features, 24), nn.GELU(), nn.Linear(24, 1)"))
    second = _run(project, "-s", "sweep", "--", "--set", "mine", nox=True)
    output = second.stdout + second.stderr
    assert output.count("a file of a local plugin changed since this environment was built") == 2, output[-4000:]
    assert "environment reused" not in output
    hashes = stored(project / "store.duckdb", "SELECT case_id, count(DISTINCT case_hash) AS n FROM results "
                                              "GROUP BY case_id ORDER BY case_id")
    assert [(h["case_id"], h["n"]) for h in hashes] == [("my-denoiser", 1), ("my-scorer", 2)]
